// Reductions of the native backend beyond Sum/Mean (gemm-reduce.cc): Max, Min, ArgMax, ArgMin over one
// contiguous run of axes (x viewed as [outer, reduce, inner]), and Softmax over the last axis.
#pragma GCC optimize("no-trapping-math", "fp-contract=fast")
#include <algorithm>
#include <cstdint>
#include <string>

#include "fused-kernels.h"
#include "fused-math.h"
#include "napi-args.h"
#include "tensor-ops.h"
#include "thread-pool.h"

namespace mila {
namespace {

// Reduce op codes (core/native-backend/native-tensor-api.ts, REDUCE_OPS).
enum ReduceOp : int { kMax = 0, kMin = 1, kArgMax = 2, kArgMin = 3 };

// tfjs-backend-cpu: max/min take a NaN once they meet one (NaN propagates); argMax/argMin keep the first
// index of the largest/smallest value (a NaN never wins). The same comparisons here.
template <int Op>
inline bool better(float v, float best) {
  if (Op == kMax) return v > best || v != v;
  if (Op == kMin) return v < best || v != v;
  return Op == kArgMax ? v > best : v < best;
}

template <int Op>
void reduceBlock(const float* x, float* yv, int32_t* yi, int64_t reduce, int64_t inner, int64_t o, int64_t i0, int64_t i1) {
  const float* base = x + o * reduce * inner;
  constexpr bool arg = Op == kArgMax || Op == kArgMin;
  if (inner == 1) {
    const float* row = base;
    float best = row[0];
    int32_t at = 0;
    for (int64_t r = 1; r < reduce; r++) {
      if (better<Op>(row[r], best)) {
        best = row[r];
        at = static_cast<int32_t>(r);
      }
    }
    if (arg) yi[o] = at;
    else yv[o] = best;
    return;
  }
  constexpr int64_t kBlock = 256;
  float best[kBlock];
  int32_t at[kBlock];
  const int64_t w = i1 - i0;
  for (int64_t i = 0; i < w; i++) {
    best[i] = base[i0 + i];
    at[i] = 0;
  }
  for (int64_t r = 1; r < reduce; r++) {
    const float* src = base + r * inner + i0;
    for (int64_t i = 0; i < w; i++) {
      const bool b = better<Op>(src[i], best[i]);
      best[i] = b ? src[i] : best[i];
      if (arg) at[i] = b ? static_cast<int32_t>(r) : at[i];
    }
  }
  for (int64_t i = 0; i < w; i++) {
    if (arg) yi[o * inner + i0 + i] = at[i];
    else yv[o * inner + i0 + i] = best[i];
  }
}

template <int Op>
void reduceRun(const float* x, float* yv, int32_t* yi, int64_t outer, int64_t reduce, int64_t inner) {
  constexpr int64_t kBlock = 256;
  const int64_t blocks = inner == 1 ? 1 : (inner + kBlock - 1) / kBlock;
  const int64_t tasks = outer * blocks;
  const int64_t perTask = std::max<int64_t>(1, reduce * std::min(inner, kBlock));
  parallelFor(tasks, std::max<int64_t>(1, (1 << 16) / perTask), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t o = t / blocks, i0 = (t % blocks) * kBlock;
      reduceBlock<Op>(x, yv, yi, reduce, inner, o, i0, std::min(inner, i0 + kBlock));
    }
  });
}

// reduceAxes(op, x: Float32Array, y: Float32Array (max/min) | Int32Array (argmax/argmin), outer, reduce, inner).
MILA_KERNEL(reduceAxes, 6) {
  const int op = a.int32(0);
  size_t lx, ly;
  int ey;
  const float* x = a.f32(1, &lx);
  void* y = a.anyTyped(2, &ly, &ey);
  const int64_t outer = a.int64(3), reduce = a.int64(4), inner = a.int64(5);
  if (outer < 0 || reduce < 1 || inner < 0) throw ArgError{"bad sizes (the reduced size must be at least 1)"};
  if (static_cast<int64_t>(lx) < outer * reduce * inner) throw ArgError{"x is smaller than outer * reduce * inner"};
  if (static_cast<int64_t>(ly) / ey < outer * inner || ey != 4) throw ArgError{"y has the wrong size or type"};
  float* yv = static_cast<float*>(y);
  int32_t* yi = static_cast<int32_t*>(y);
  switch (op) {
    case kMax: reduceRun<kMax>(x, yv, yi, outer, reduce, inner); break;
    case kMin: reduceRun<kMin>(x, yv, yi, outer, reduce, inner); break;
    case kArgMax: reduceRun<kArgMax>(x, yv, yi, outer, reduce, inner); break;
    case kArgMin: reduceRun<kArgMin>(x, yv, yi, outer, reduce, inner); break;
    default: throw ArgError{"unsupported reduce op " + std::to_string(op)};
  }
  return nullptr;
}

MILA_SIMD_CLONES void softmaxRow(const float* __restrict x, float* __restrict y, int64_t n) {
  float m = x[0];
  for (int64_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
  float s = 0.0f;
  for (int64_t i = 0; i < n; i++) {
    y[i] = expApprox(x[i] - m);
    s += y[i];
  }
  const float inv = 1.0f / s;
  for (int64_t i = 0; i < n; i++) y[i] *= inv;
}

// softmaxRows(x, y, rows, cols): softmax over each row of `cols` values.
MILA_KERNEL(softmaxRows, 4) {
  size_t lx, ly;
  const float* x = a.f32(0, &lx);
  float* y = a.f32(1, &ly);
  const int64_t rows = a.int64(2), cols = a.int64(3);
  if (rows < 0 || cols < 1) throw ArgError{"bad sizes"};
  if (static_cast<int64_t>(lx) < rows * cols || static_cast<int64_t>(ly) < rows * cols) throw ArgError{"x or y smaller than rows * cols"};
  parallelFor(rows, std::max<int64_t>(1, kElementGrain / cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) softmaxRow(x + r * cols, y + r * cols, cols);
  });
  return nullptr;
}

}  // namespace

void registerTensorReduce(napi_env env, napi_value exports) {
  exportFunction(env, exports, "reduceAxes", reduceAxes);
  exportFunction(env, exports, "softmaxRows", softmaxRows);
}

}  // namespace mila
