{
  "targets": [
    {
      "target_name": "mila_native",
      "sources": [
        "src/addon.cc",
        "src/napi-args.cc",
        "src/thread-pool.cc",
        "src/gemm.cc",
        "src/gemm-operands.cc",
        "src/gemm-reduce.cc",
        "src/conv.cc",
        "src/conv-operands.cc",
        "src/elementwise.cc",
        "src/layer-norm.cc",
        "src/linear-attention.cc",
        "src/softmax-cross-entropy.cc",
        "src/optimizer.cc",
        "src/batch-norm.cc",
        "src/tensor-copy.cc",
        "src/tensor-math.cc",
        "src/tensor-reduce.cc",
        "src/resize.cc"
      ],
      "dependencies": ["mila_isa_avx512", "mila_isa_avx2", "mila_isa_generic", "mila_isa_avx512_layout"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno"],
      "ldflags": ["-pthread"],
      "cflags": ["-pthread"]
    },
    {
      "target_name": "mila_isa_avx512",
      "type": "static_library",
      "sources": ["src/gemm-isa-avx512.cc"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-fPIC", "-fno-math-errno", "-ffp-contract=fast"],
      "conditions": [['target_arch=="x64" or target_arch=="ia32"', {"cflags_cc": ["-mavx512f", "-mavx2", "-mfma", "-mprefer-vector-width=512"]}]]
    },
    {
      "target_name": "mila_isa_avx2",
      "type": "static_library",
      "sources": ["src/gemm-isa-avx2.cc"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-fPIC", "-fno-math-errno", "-ffp-contract=fast"],
      "conditions": [['target_arch=="x64" or target_arch=="ia32"', {"cflags_cc": ["-mavx2", "-mfma"]}]]
    },
    {
      "target_name": "mila_isa_avx512_layout",
      "type": "static_library",
      "sources": ["src/gemm-isa-avx512-layout.cc"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-fPIC", "-fno-math-errno", "-ffp-contract=fast", "-Wno-psabi"],
      "conditions": [['target_arch=="x64" or target_arch=="ia32"', {"cflags_cc": ["-mavx2", "-mfma"]}]]
    },
    {
      "target_name": "mila_isa_generic",
      "type": "static_library",
      "sources": ["src/gemm-isa-generic.cc"],
      "cflags_cc": ["-O3", "-std=gnu++17", "-fPIC", "-fno-math-errno"]
    }
  ]
}
