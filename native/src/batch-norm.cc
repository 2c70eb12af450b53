// FusedBatchNorm on NHWC maps with per-channel statistics: y = (x - mean) * scale / sqrt(var + eps) + offset,
// folded per channel into y = x * a + b, over rows of C on the thread pool (wasm's kernel is a slow
// broadcasting loop: ~8% of the MILA-T forward, all in the stem and patch merging).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace mila {
namespace {

// batchNormNhwc(x, mean, variance, offset|null, scale|null, y, eps)
MILA_KERNEL(batchNormNhwc, 7) {
  size_t n, nm, nv, no, ns, ny;
  const float* x = a.f32(0, &n);
  const float* mean = a.f32(1, &nm);
  const float* var = a.f32(2, &nv);
  const float* offset = a.f32OrNull(3, &no);
  const float* scale = a.f32OrNull(4, &ns);
  float* y = a.f32(5, &ny);
  const double eps = a.number(6);
  const size_t c = nm;
  if (c == 0) throw ArgError{"no channels"};
  requireLength(nv, c, "variance");
  if (offset) requireLength(no, c, "offset");
  if (scale) requireLength(ns, c, "scale");
  requireLength(ny, n, "y");
  if (n % c != 0) throw ArgError{"x is not whole rows of the channel count"};
  std::vector<float> mul(c), add(c);
  for (size_t k = 0; k < c; k++) {
    const double inv = (scale ? scale[k] : 1.0) / std::sqrt(static_cast<double>(var[k]) + eps);
    mul[k] = static_cast<float>(inv);
    add[k] = static_cast<float>((offset ? offset[k] : 0.0) - mean[k] * inv);
  }
  const int64_t rows = static_cast<int64_t>(n / c);
  const float* m = mul.data();
  const float* b = add.data();
  parallelFor(rows, std::max<int64_t>(1, (1 << 15) / static_cast<int64_t>(c)), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = x + r * static_cast<int64_t>(c);
      float* yr = y + r * static_cast<int64_t>(c);
      for (size_t k = 0; k < c; k++) yr[k] = xr[k] * m[k] + b[k];
    }
  });
  return nullptr;
}

}  // namespace

void registerBatchNorm(napi_env env, napi_value exports) { exportFunction(env, exports, "batchNormNhwc", batchNormNhwc); }

}  // namespace mila
