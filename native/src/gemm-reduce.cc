// sumAxes(): sums (times a scale: 1/n makes a mean) over one contiguous run of axes, for tfjs' Sum and Mean. Its hot use is the bias gradient of
// every fused matmul (dY summed over all rows: [tokens, N] -> [N]), which the wasm backend computes with a
// transpose and a single-threaded reduction.
#include <string>
#include <vector>

#include "gemm-reduce.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace mila {

namespace {

// Float partial sums over at most this many terms, then added in double: float32-exact results for long
// reductions at the speed of float adds.
constexpr int64_t kFloatRun = 512;
constexpr int64_t kColumnBlock = 256;

struct SumJob {
  const float* x;
  float* y;
  int64_t outer, reduce, inner;
  double scale;
};

// inner == 1: each output is the sum of one contiguous row.
void sumRows(const SumJob& j, int64_t o0, int64_t o1) {
  for (int64_t o = o0; o < o1; o++) {
    const float* row = j.x + o * j.reduce;
    double total = 0.0;
    for (int64_t r0 = 0; r0 < j.reduce; r0 += kFloatRun) {
      const int64_t r1 = r0 + kFloatRun < j.reduce ? r0 + kFloatRun : j.reduce;
      float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      int64_t r = r0;
      for (; r + 8 <= r1; r += 8)
        for (int l = 0; l < 8; l++) lanes[l] += row[r + l];
      float s = 0.f;
      for (; r < r1; r++) s += row[r];
      for (int l = 0; l < 8; l++) s += lanes[l];
      total += s;
    }
    j.y[o] = static_cast<float>(total * j.scale);
  }
}

// inner > 1: a block of up to kColumnBlock outputs summed down the reduced rows.
void sumColumns(const SumJob& j, int64_t task0, int64_t task1) {
  const int64_t blocks = (j.inner + kColumnBlock - 1) / kColumnBlock;
  float part[kColumnBlock];
  double total[kColumnBlock];
  for (int64_t task = task0; task < task1; task++) {
    const int64_t o = task / blocks, i0 = (task % blocks) * kColumnBlock;
    const int64_t width = j.inner - i0 < kColumnBlock ? j.inner - i0 : kColumnBlock;
    for (int64_t i = 0; i < width; i++) total[i] = 0.0;
    const float* base = j.x + o * j.reduce * j.inner + i0;
    for (int64_t r0 = 0; r0 < j.reduce; r0 += kFloatRun) {
      const int64_t r1 = r0 + kFloatRun < j.reduce ? r0 + kFloatRun : j.reduce;
      for (int64_t i = 0; i < width; i++) part[i] = 0.f;
      for (int64_t r = r0; r < r1; r++) {
        const float* src = base + r * j.inner;
        for (int64_t i = 0; i < width; i++) part[i] += src[i];
      }
      for (int64_t i = 0; i < width; i++) total[i] += part[i];
    }
    float* dst = j.y + o * j.inner + i0;
    for (int64_t i = 0; i < width; i++) dst[i] = static_cast<float>(total[i] * j.scale);
  }
}

// sumAxes(x, y, outer, reduce, inner, scale): y[o, i] = scale * sum over r of x[o, r, i].
MILA_KERNEL(sumAxes, 6) {
  size_t lx, ly;
  SumJob j;
  j.x = a.f32(0, &lx);
  j.y = a.f32(1, &ly);
  j.outer = a.int64(2);
  j.reduce = a.int64(3);
  j.inner = a.int64(4);
  j.scale = a.number(5);
  if (j.outer < 0 || j.reduce < 0 || j.inner < 0) throw ArgError{"negative size"};
  if (static_cast<int64_t>(lx) < j.outer * j.reduce * j.inner) throw ArgError{"x has " + std::to_string(lx) + " elements, needs " + std::to_string(j.outer * j.reduce * j.inner)};
  if (static_cast<int64_t>(ly) < j.outer * j.inner) throw ArgError{"y has " + std::to_string(ly) + " elements, needs " + std::to_string(j.outer * j.inner)};
  const int64_t work = j.outer * j.reduce * j.inner;
  // Chunks of at least ~256k additions: less is not worth waking the pool.
  if (j.inner == 1) {
    const int64_t grain = j.reduce > 0 ? (1 << 18) / j.reduce + 1 : j.outer;
    parallelFor(j.outer, grain, [&j](int64_t b, int64_t e) { sumRows(j, b, e); });
  } else {
    const int64_t tasks = j.outer * ((j.inner + kColumnBlock - 1) / kColumnBlock);
    const int64_t perTask = tasks > 0 ? work / tasks : 1;
    parallelFor(tasks, perTask > 0 ? (1 << 18) / perTask + 1 : tasks, [&j](int64_t b, int64_t e) { sumColumns(j, b, e); });
  }
  return nullptr;
}

}  // namespace

void registerReduce(napi_env env, napi_value exports) { exportFunction(env, exports, "sumAxes", sumAxes); }

}  // namespace mila
