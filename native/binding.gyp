{
  "targets": [
    {
      "target_name": "mila_native",
      "sources": [
        "src/addon.cc",
        "src/napi-args.cc",
        "src/thread-pool.cc",
        "src/gemm.cc",
        "src/conv.cc",
        "src/elementwise.cc"
      ],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno"],
      "ldflags": ["-pthread"],
      "cflags": ["-pthread"]
    }
  ]
}
