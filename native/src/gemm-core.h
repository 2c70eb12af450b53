// The compute core shared by gemm.cc and conv.cc: a packed, register-blocked single-precision GEMM and
// the depthwise-convolution loops, compiled once per instruction set (gemm-isa-*.cc include
// gemm-kernel.inc and conv-depthwise.inc) and picked at run time by what the CPU supports.
//
// Operands are reached through packing callbacks, so the same GEMM multiplies plain row-major matrices
// (with transposes), implicit im2col matrices of a convolution, and writes rows that are not evenly
// spaced (one phase of a strided convolution's input gradient). Only plain C types cross this header:
// the per-ISA translation units must not share inline library code with the generic one (a weak symbol
// compiled for AVX-512 could be the copy the linker keeps).
#pragma once
#include <cstddef>
#include <cstdint>

namespace mila {

enum Activation : int32_t { kLinear = 0, kRelu = 1, kRelu6 = 2, kElu = 3, kSigmoid = 4, kLeakyRelu = 5 };

// Packs rows [i0, i0 + rows) and columns [k0, k0 + kc) of the left operand into dst: for each k, MR
// consecutive floats (rows past `rows` are zero).
typedef void (*PackAFn)(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst);
// Packs rows [k0, k0 + kc) and columns [j0, j0 + cols) of the right operand into dst: for each k, NR
// consecutive floats (columns past `cols` are zero).
typedef void (*PackBFn)(const void* ctx, int64_t k0, int kc, int64_t j0, int cols, int NR, float* dst);
// Direct access to the left operand instead of packing (for row-major rows and convolution patches,
// whose runs of k are contiguous in memory): sets ptrs[r] for r < MR so that A(i0 + r, k + j) =
// ptrs[r][j] for j < the returned run length (>= 1, <= kEnd - k). Rows past `rows` may repeat any row.
typedef int64_t (*RowRunsAFn)(const void* ctx, int64_t i0, int rows, int64_t k, int64_t kEnd, int MR, const float** ptrs);
// Up to this many output columns, reading A in place beats packing it (measured, AVX2 on Zen 5: K = 64,
// N = 64: 56 vs 38 GFLOP/s per core); wider products re-read A rows once per 16 columns and pack.
constexpr int64_t kDirectAMaxColumns = 256;
// The same for convolution patches (3x3 stride 2, 32 -> 256 channels: packed 77-79, in place 60 GFLOP/s).
constexpr int64_t kDirectPatchMaxColumns = 128;
// Where row i of the output starts.
typedef float* (*RowFn)(const void* ctx, int64_t i);

struct GemmTask {
  int64_t M = 0, N = 0, K = 0;
  int64_t kOffset = 0;  // packers see k + kOffset (a K-split part of a larger product)
  PackAFn packA = nullptr;
  RowRunsAFn rowRunsA = nullptr;  // used instead of packA when set
  const void* aCtx = nullptr;
  PackBFn packB = nullptr;
  const void* bCtx = nullptr;
  float* c = nullptr;  // row i at c + i * ldc, unless rowFn is set
  int64_t ldc = 0;
  RowFn rowFn = nullptr;
  const void* rowCtx = nullptr;
  bool accumulate = false;  // C += alpha * A B instead of C = alpha * A B
  float alpha = 1.f;
  const float* bias = nullptr;  // length N, added to every row after alpha
  int32_t activation = kLinear;
  float activationAlpha = 0.f;  // leaky relu's slope
  bool parallel = true;         // false: run on the calling thread only
};

// Depthwise NHWC convolution geometry (filter [kh, kw, C, mult], output channels C * mult).
struct DepthwiseTask {
  int64_t batch = 0, inH = 0, inW = 0, channels = 0, mult = 1, outH = 0, outW = 0;
  int64_t kh = 0, kw = 0, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1, padTop = 0, padLeft = 0;
  const float* x = nullptr;
  const float* w = nullptr;
  const float* dy = nullptr;
  float* out = nullptr;  // forward: y; backprop input: dx; backprop filter: dw
  const float* bias = nullptr;
  int32_t activation = kLinear;
  float activationAlpha = 0.f;
};

struct IsaKernels {
  const char* name;
  int MR, NR;
  void (*gemm)(const GemmTask&);
  void (*depthwiseForward)(const DepthwiseTask&);
  void (*depthwiseBackpropInput)(const DepthwiseTask&);
  void (*depthwiseBackpropFilter)(const DepthwiseTask&);
};

// The best kernels this CPU can run (AVX-512F, else AVX2+FMA, else generic); MILA_NATIVE_ISA=avx2 or
// generic forces a lower one, avx512-layout the AVX-512 blocking built for AVX2 (tests, measurements).
const IsaKernels& isaKernels();

// The GEMM over all threads: K split across threads (each a serial GEMM, parts added at the end) when
// K is long and the output small, so the threads do not meet once per K block; else isaKernels().gemm.
void gemmParallel(const GemmTask& t);

// parallelFor with a plain function pointer, callable from the per-ISA units (see the note above).
void parallelForRaw(int64_t n, int64_t grain, void (*fn)(void* ctx, int64_t begin, int64_t end), void* ctx);
int poolThreads();

// A 64-byte aligned buffer of at least `floats` floats owned by the calling thread; slot 0..3 are
// independent buffers. Valid until the same thread asks for the same slot again.
float* threadScratch(int slot, size_t floats);

namespace isa_avx512 {
extern const IsaKernels kernels;
}
namespace isa_avx2 {
extern const IsaKernels kernels;
}
namespace isa_generic {
extern const IsaKernels kernels;
}
namespace isa_avx512_layout {
extern const IsaKernels kernels;
}

}  // namespace mila
