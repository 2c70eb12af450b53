// LayerNorm over the last axis with weight and bias (PyTorch semantics: biased variance, eps inside the
// square root), forward and backward, each one pass over the rows (a row stays in L1 between its loops).
// Reassociation lets GCC vectorise the row sums (results depend on the build, not on threads or runs).
#pragma GCC optimize("no-trapping-math", "fp-contract=fast", "associative-math", "no-signed-zeros")
#include <algorithm>
#include <cmath>
#include <vector>

#include "fused-kernels.h"
#include "fused-math.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace {

struct RowStats {
  float mean;
  float rstd;
};

// Two passes over one row (it is in cache): exact mean first, then the centred sum of squares.
inline RowStats rowStats(const float* x, int64_t c, float eps) {
  float s = 0.0f;
  for (int64_t j = 0; j < c; j++) s += x[j];
  const float mean = s / static_cast<float>(c);
  float ss = 0.0f;
  for (int64_t j = 0; j < c; j++) {
    const float d = x[j] - mean;
    ss += d * d;
  }
  return {mean, 1.0f / std::sqrt(ss / static_cast<float>(c) + eps)};
}

MILA_SIMD_CLONES void forwardRows(const float* __restrict x, const float* __restrict w, const float* __restrict bias,
                                  float* __restrict y, int64_t rows, int64_t c, float eps) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    const RowStats st = rowStats(xr, c, eps);
    for (int64_t j = 0; j < c; j++) yr[j] = (xr[j] - st.mean) * st.rstd * w[j] + bias[j];
  }
}

// Rows [r0, r1): dx, and dy * xhat and dy summed into pw and pb; xhat is scratch of c floats.
MILA_SIMD_CLONES void backwardRows(const float* __restrict x, const float* __restrict w, const float* __restrict dy,
                                   float* __restrict dx, float* __restrict pw, float* __restrict pb, float* __restrict xhat,
                                   int64_t r0, int64_t r1, int64_t c, float eps) {
  const float invC = 1.0f / static_cast<float>(c);
  for (int64_t r = r0; r < r1; r++) {
    const float* xr = x + r * c;
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    const RowStats st = rowStats(xr, c, eps);
    float sg = 0.0f;
    float sgx = 0.0f;
    for (int64_t j = 0; j < c; j++) {
      const float xh = (xr[j] - st.mean) * st.rstd;
      const float g = dyr[j] * w[j];
      xhat[j] = xh;
      sg += g;
      sgx += g * xh;
      pw[j] += dyr[j] * xh;
      pb[j] += dyr[j];
    }
    const float mg = sg * invC;
    const float mgx = sgx * invC;
    for (int64_t j = 0; j < c; j++) dxr[j] = st.rstd * (dyr[j] * w[j] - mg - xhat[j] * mgx);
  }
}

int64_t channelsOf(size_t xLen, size_t wLen) {
  if (wLen == 0 || xLen % wLen != 0) throw mila::ArgError{"x's size is not a multiple of the weight's"};
  return static_cast<int64_t>(wLen);
}

// layerNormForward(x, weight, bias, y, eps)
MILA_KERNEL(layerNormForward, 5) {
  size_t n, nw, nb, ny;
  const float* x = a.f32(0, &n);
  const float* w = a.f32(1, &nw);
  const float* bias = a.f32(2, &nb);
  float* y = a.f32(3, &ny);
  const float eps = static_cast<float>(a.number(4));
  const int64_t c = channelsOf(n, nw);
  mila::requireLength(nb, nw, "layerNormForward: bias");
  mila::requireLength(ny, n, "layerNormForward: y");
  const int64_t rows = static_cast<int64_t>(n) / c;
  mila::parallelFor(rows, std::max<int64_t>(1, mila::kElementGrain / c), [&](int64_t r0, int64_t r1) {
    forwardRows(x + r0 * c, w, bias, y + r0 * c, r1 - r0, c, eps);
  });
  return nullptr;
}

// Rows per block of the weight/bias gradient sums: blocks are fixed by the shape (not by the thread count),
// and summed in a fixed order, so results do not depend on scheduling.
constexpr int64_t kRowsPerBlock = 64;

// layerNormBackward(x, weight, dy, dx, dweight, dbias, eps): the row statistics are recomputed, not saved.
MILA_KERNEL(layerNormBackward, 7) {
  size_t n, nw, nd, ndx, ndw, ndb;
  const float* x = a.f32(0, &n);
  const float* w = a.f32(1, &nw);
  const float* dy = a.f32(2, &nd);
  float* dx = a.f32(3, &ndx);
  float* dw = a.f32(4, &ndw);
  float* db = a.f32(5, &ndb);
  const float eps = static_cast<float>(a.number(6));
  const int64_t c = channelsOf(n, nw);
  mila::requireLength(nd, n, "layerNormBackward: dy");
  mila::requireLength(ndx, n, "layerNormBackward: dx");
  mila::requireLength(ndw, nw, "layerNormBackward: dweight");
  mila::requireLength(ndb, nw, "layerNormBackward: dbias");
  const int64_t rows = static_cast<int64_t>(n) / c;
  const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<float> partial(static_cast<size_t>(blocks * 2 * c), 0.0f);
  mila::parallelFor(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> xhat(static_cast<size_t>(c));
    for (int64_t blk = b0; blk < b1; blk++) {
      float* pw = partial.data() + blk * 2 * c;
      backwardRows(x, w, dy, dx, pw, pw + c, xhat.data(), blk * kRowsPerBlock, std::min(rows, (blk + 1) * kRowsPerBlock), c, eps);
    }
  });
  for (int64_t j = 0; j < c; j++) {
    double sw = 0.0;
    double sb = 0.0;
    for (int64_t blk = 0; blk < blocks; blk++) {
      sw += partial[blk * 2 * c + j];
      sb += partial[blk * 2 * c + c + j];
    }
    dw[j] = static_cast<float>(sw);
    db[j] = static_cast<float>(sb);
  }
  return nullptr;
}

}  // namespace

namespace mila {

void registerLayerNorm(napi_env env, napi_value exports) {
  exportFunction(env, exports, "layerNormForward", layerNormForward);
  exportFunction(env, exports, "layerNormBackward", layerNormBackward);
}

}  // namespace mila
