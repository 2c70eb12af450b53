// gemm(): batched single-precision matrix products for BatchMatMul / _FusedMatMul, and the run-time
// choice of instruction set for every kernel of gemm-core.h.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gemm-core.h"
#include "gemm-operands.h"
#include "gemm-reduce.h"
#include "kernels.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace mila {

namespace {

const IsaKernels* chooseIsa() {
  const char* forced = std::getenv("MILA_NATIVE_ISA");
  const std::string want = forced ? forced : "";
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  // Other architectures: the per-ISA units were built without x86 flags; only the generic one is chosen.
  const bool avx512 = false, avx2 = false;
#endif
  if (want == "generic") return &isa_generic::kernels;
  if (want == "avx2") return avx2 ? &isa_avx2::kernels : &isa_generic::kernels;
  if (want == "avx512-layout") return avx2 ? &isa_avx512_layout::kernels : &isa_generic::kernels;
  if (avx512) return &isa_avx512::kernels;
  if (avx2) return &isa_avx2::kernels;
  return &isa_generic::kernels;
}

struct ScratchSlot {
  float* data = nullptr;
  size_t floats = 0;
  ~ScratchSlot() { std::free(data); }
};

thread_local ScratchSlot scratchSlots[4];

// Multiply-adds below which a batch of products runs one product per thread rather than each product
// over all threads (the per-product fork/join would cost more than it saves).
constexpr double kSmallProductMacs = 1 << 21;

struct BatchJob {
  const MatrixOperand* a;
  const MatrixOperand* b;
  GemmTask task;  // c/aCtx/bCtx filled per batch item
  const float* aBase;
  const float* bBase;
  float* cBase;
  int64_t strideA, strideB, strideC;
};

void runBatchItems(void* ctx, int64_t begin, int64_t end) {
  const BatchJob& job = *static_cast<const BatchJob*>(ctx);
  for (int64_t i = begin; i < end; i++) {
    MatrixOperand a = *job.a;
    MatrixOperand b = *job.b;
    a.data = job.aBase + i * job.strideA;
    b.data = job.bBase + i * job.strideB;
    GemmTask t = job.task;
    t.aCtx = &a;
    t.bCtx = &b;
    t.c = job.cBase + i * job.strideC;
    gemmParallel(t);
  }
}

struct SplitKJob {
  GemmTask task;  // the whole product; each part runs a K range of it
  int64_t parts;
  float* partials;  // parts - 1 buffers of M x N (part 0 writes the output itself)
};

void runSplitKPart(void* ctx, int64_t begin, int64_t end) {
  const SplitKJob& job = *static_cast<const SplitKJob*>(ctx);
  for (int64_t part = begin; part < end; part++) {
    GemmTask t = job.task;
    const int64_t k0 = t.K * part / job.parts, k1 = t.K * (part + 1) / job.parts;
    t.kOffset += k0;
    t.K = k1 - k0;
    t.parallel = false;
    if (part > 0) {
      t.c = job.partials + (part - 1) * t.M * t.N;
      t.ldc = t.N;
      t.rowFn = nullptr;
    }
    isaKernels().gemm(t);
  }
}

// K from which splitting pays (8 K blocks: 16 fork/joins saved per product), and the largest output
// split (each extra thread holds an M x N partial).
constexpr int64_t kSplitMinK = 2048;
constexpr int64_t kSplitMaxOutput = 1 << 22;

void parallelTrampoline(int64_t n, int64_t grain, void (*fn)(void*, int64_t, int64_t), void* ctx) {
  parallelFor(n, grain, [fn, ctx](int64_t b, int64_t e) { fn(ctx, b, e); });
}

void requireLength(size_t have, int64_t need, const char* what) {
  if (need > 0 && static_cast<int64_t>(have) < need) {
    throw ArgError{std::string(what) + " has " + std::to_string(have) + " elements, needs " + std::to_string(need)};
  }
}

int32_t checkedActivation(int32_t act) {
  if (act < kLinear || act > kLeakyRelu) throw ArgError{"unknown activation code " + std::to_string(act)};
  return act;
}

// gemm(a, b, c, bias|null, batch, M, N, K, transA, transB, strideA, strideB, strideC, alpha, activation,
//      activationAlpha): c[i] = act(alpha * op(a[i]) op(b[i]) + bias) for i < batch; a stride of 0
// broadcasts one matrix over the batch. Row-major: op(a) is M x K, op(b) K x N; bias has length N.
MILA_KERNEL(gemm, 16) {
  size_t lenA, lenB, lenC, lenBias;
  const float* aData = a.f32(0, &lenA);
  const float* bData = a.f32(1, &lenB);
  float* cData = a.f32(2, &lenC);
  const float* bias = a.f32OrNull(3, &lenBias);
  const int64_t batch = a.int64(4), M = a.int64(5), N = a.int64(6), K = a.int64(7);
  const bool transA = a.boolean(8), transB = a.boolean(9);
  const int64_t strideA = a.int64(10), strideB = a.int64(11), strideC = a.int64(12);
  if (batch < 0 || M < 0 || N < 0 || K < 0 || strideA < 0 || strideB < 0 || strideC < 0) throw ArgError{"negative size or stride"};
  if (batch == 0 || M == 0 || N == 0) return nullptr;
  requireLength(lenA, (batch - 1) * strideA + M * K, "a");
  requireLength(lenB, (batch - 1) * strideB + K * N, "b");
  requireLength(lenC, (batch - 1) * strideC + M * N, "c");
  if (batch > 1 && strideC < M * N) throw ArgError{"output matrices overlap (strideC < M * N)"};
  if (bias) requireLength(lenBias, N, "bias");

  const MatrixOperand opA{aData, transA ? M : K, transA};
  const MatrixOperand opB{bData, transB ? K : N, transB};
  BatchJob job;
  job.a = &opA;
  job.b = &opB;
  job.aBase = aData;
  job.bBase = bData;
  job.cBase = cData;
  job.strideA = strideA;
  job.strideB = strideB;
  job.strideC = strideC;
  GemmTask& t = job.task;
  t.M = M;
  t.N = N;
  t.K = K;
  // Untransposed rows are read in place; transposed ones are packed (their k runs are strided).
  if (transA || N > kDirectAMaxColumns) t.packA = packMatrixA;
  else t.rowRunsA = matrixRowRunsA;
  t.packB = packMatrixB;
  t.ldc = N;
  t.alpha = static_cast<float>(a.number(13));
  t.bias = bias;
  t.activation = checkedActivation(a.int32(14));
  t.activationAlpha = static_cast<float>(a.number(15));
  const double macs = static_cast<double>(M) * N * (K > 0 ? K : 1);
  // A product whose M x N gives few register-block jobs (k^T v per head: 32 x 32 over many tokens)
  // would fork and join once per K block; whole products per thread avoid that.
  const double tiles = static_cast<double>((M + isaKernels().MR - 1) / isaKernels().MR) * ((N + isaKernels().NR - 1) / isaKernels().NR);
  const bool fewTiles = tiles < 64.0 * numThreads();
  if (batch >= numThreads() && numThreads() > 1 && (macs < kSmallProductMacs || fewTiles)) {
    t.parallel = false;
    parallelFor(batch, 1, [&job](int64_t b, int64_t e) { runBatchItems(&job, b, e); });
  } else {
    runBatchItems(&job, 0, batch);
  }
  return nullptr;
}

MILA_KERNEL(gemmIsa, 0) {
  napi_value v;
  napi_create_string_utf8(a.env(), isaKernels().name, NAPI_AUTO_LENGTH, &v);
  return v;
}

}  // namespace

void gemmParallel(const GemmTask& t) {
  const int64_t threads = t.parallel ? numThreads() : 1;
  const bool plainOutput = !t.rowFn && !t.accumulate && !t.bias && t.activation == kLinear && t.alpha == 1.f;
  if (threads < 2 || t.K < kSplitMinK || t.M * t.N > kSplitMaxOutput || !plainOutput) {
    isaKernels().gemm(t);
    return;
  }
  SplitKJob job{t, threads, nullptr};
  std::vector<float> partials(static_cast<size_t>((threads - 1) * t.M * t.N));
  job.partials = partials.data();
  parallelFor(threads, 1, [&job](int64_t b, int64_t e) { runSplitKPart(&job, b, e); });
  // Rows split over the threads again for the sum.
  parallelFor(t.M, 64, [&](int64_t i0, int64_t i1) {
    for (int64_t part = 1; part < threads; part++) {
      const float* p = job.partials + (part - 1) * t.M * t.N;
      for (int64_t i = i0; i < i1; i++) {
        float* row = t.c + i * t.ldc;
        const float* src = p + i * t.N;
        for (int64_t j = 0; j < t.N; j++) row[j] += src[j];
      }
    }
  });
}

const IsaKernels& isaKernels() {
  static const IsaKernels* chosen = chooseIsa();
  return *chosen;
}

void parallelForRaw(int64_t n, int64_t grain, void (*fn)(void* ctx, int64_t begin, int64_t end), void* ctx) {
  parallelTrampoline(n, grain, fn, ctx);
}

int poolThreads() { return numThreads(); }

float* threadScratch(int slot, size_t floats) {
  ScratchSlot& s = scratchSlots[slot];
  if (s.floats < floats) {
    std::free(s.data);
    const size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
    s.data = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!s.data) {
      // Also reached on pool threads, where an exception could not propagate.
      std::fprintf(stderr, "mila_native: out of memory for a %zu-byte work buffer\n", bytes);
      std::abort();
    }
    s.floats = floats;
  }
  return s.data;
}

void registerGemm(napi_env env, napi_value exports) {
  exportFunction(env, exports, "gemm", gemm);
  exportFunction(env, exports, "gemmIsa", gemmIsa);
  registerReduce(env, exports);
}

}  // namespace mila
