// Bilinear resizing of NHWC maps and its gradient, for the native backend. The JS side computes the taps
// (two source indices and the weight of the second, per output row and per output column) with tfjs' formulas
// (align_corners / half-pixel centres); here they are applied. The gradient is the exact adjoint, computed
// separably as gathers (each input row collects the output rows that read it, then the same over columns),
// so threads own disjoint outputs and no scatter-add races.
#pragma GCC optimize("no-trapping-math", "fp-contract=fast")
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "napi-args.h"
#include "tensor-ops.h"
#include "thread-pool.h"

namespace mila {
namespace {

struct Taps {
  const int32_t* lo;
  const int32_t* hi;
  const float* frac;
  int64_t n;
};

Taps readTaps(Args& a, size_t i, int64_t n, int64_t inSize, const char* what) {
  size_t l0, l1, l2;
  Taps t{a.i32(i, &l0), a.i32(i + 1, &l1), a.f32(i + 2, &l2), n};
  requireLength(l0, static_cast<size_t>(n), what);
  requireLength(l1, static_cast<size_t>(n), what);
  requireLength(l2, static_cast<size_t>(n), what);
  for (int64_t k = 0; k < n; k++)
    if (t.lo[k] < 0 || t.lo[k] >= inSize || t.hi[k] < 0 || t.hi[k] >= inSize) throw ArgError{std::string(what) + ": tap outside the input"};
  return t;
}

// resizeBilinear(x, y, batch, inH, inW, outH, outW, channels, rowLo, rowHi, rowFrac, colLo, colHi, colFrac):
// y[b, r, c] = top + (bottom - top) rowFrac, top/bottom interpolated across columns with colFrac (tfjs' order).
MILA_KERNEL(resizeBilinear, 14) {
  size_t lx, ly;
  const float* x = a.f32(0, &lx);
  float* y = a.f32(1, &ly);
  const int64_t batch = a.int64(2), inH = a.int64(3), inW = a.int64(4), outH = a.int64(5), outW = a.int64(6), ch = a.int64(7);
  if (batch < 0 || inH < 1 || inW < 1 || outH < 0 || outW < 0 || ch < 0) throw ArgError{"bad sizes"};
  requireLength(lx, static_cast<size_t>(batch * inH * inW * ch), "resizeBilinear: x");
  requireLength(ly, static_cast<size_t>(batch * outH * outW * ch), "resizeBilinear: y");
  const Taps rows = readTaps(a, 8, outH, inH, "resizeBilinear: rows");
  const Taps cols = readTaps(a, 11, outW, inW, "resizeBilinear: cols");
  parallelFor(batch * outH, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, outW * ch)), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t b = t / outH, r = t % outH;
      const float fr = rows.frac[r];
      const float* top = x + (b * inH + rows.lo[r]) * inW * ch;
      const float* bot = x + (b * inH + rows.hi[r]) * inW * ch;
      float* out = y + t * outW * ch;
      for (int64_t c = 0; c < outW; c++) {
        const float fc = cols.frac[c];
        const float* tl = top + cols.lo[c] * ch;
        const float* tr = top + cols.hi[c] * ch;
        const float* bl = bot + cols.lo[c] * ch;
        const float* br = bot + cols.hi[c] * ch;
        float* o = out + c * ch;
        for (int64_t d = 0; d < ch; d++) {
          const float tp = tl[d] + (tr[d] - tl[d]) * fc;
          const float bt = bl[d] + (br[d] - bl[d]) * fc;
          o[d] = tp + (bt - tp) * fr;
        }
      }
    }
  });
  return nullptr;
}

// For each input index: the output indices that read it and with which weight (CSR).
struct Readers {
  std::vector<int64_t> start;
  std::vector<int32_t> index;
  std::vector<float> weight;
};

Readers readersOf(const Taps& t, int64_t inSize) {
  Readers r;
  r.start.assign(static_cast<size_t>(inSize) + 1, 0);
  for (int64_t k = 0; k < t.n; k++) {
    r.start[t.lo[k] + 1]++;
    r.start[t.hi[k] + 1]++;
  }
  for (int64_t i = 0; i < inSize; i++) r.start[i + 1] += r.start[i];
  r.index.resize(static_cast<size_t>(2 * t.n));
  r.weight.resize(static_cast<size_t>(2 * t.n));
  std::vector<int64_t> at(r.start.begin(), r.start.end() - 1);
  for (int64_t k = 0; k < t.n; k++) {
    r.index[at[t.lo[k]]] = static_cast<int32_t>(k);
    r.weight[at[t.lo[k]]++] = 1.0f - t.frac[k];
    r.index[at[t.hi[k]]] = static_cast<int32_t>(k);
    r.weight[at[t.hi[k]]++] = t.frac[k];
  }
  return r;
}

// resizeBilinearGrad(dy, dx, batch, inH, inW, outH, outW, channels, taps as resizeBilinear): dx = adjoint(dy).
MILA_KERNEL(resizeBilinearGrad, 14) {
  size_t ld, lx;
  const float* dy = a.f32(0, &ld);
  float* dx = a.f32(1, &lx);
  const int64_t batch = a.int64(2), inH = a.int64(3), inW = a.int64(4), outH = a.int64(5), outW = a.int64(6), ch = a.int64(7);
  if (batch < 0 || inH < 1 || inW < 1 || outH < 0 || outW < 0 || ch < 0) throw ArgError{"bad sizes"};
  requireLength(ld, static_cast<size_t>(batch * outH * outW * ch), "resizeBilinearGrad: dy");
  requireLength(lx, static_cast<size_t>(batch * inH * inW * ch), "resizeBilinearGrad: dx");
  const Readers rows = readersOf(readTaps(a, 8, outH, inH, "resizeBilinearGrad: rows"), inH);
  const Readers cols = readersOf(readTaps(a, 11, outW, inW, "resizeBilinearGrad: cols"), inW);
  // Rows first: t[b, i, c] = sum over output rows r reading input row i of w * dy[b, r, c].
  std::vector<float> t(static_cast<size_t>(batch * inH * outW * ch));
  const int64_t rowLen = outW * ch;
  parallelFor(batch * inH, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, rowLen)), [&](int64_t t0, int64_t t1) {
    for (int64_t task = t0; task < t1; task++) {
      const int64_t b = task / inH, i = task % inH;
      float* acc = t.data() + task * rowLen;
      std::fill(acc, acc + rowLen, 0.0f);
      for (int64_t k = rows.start[i]; k < rows.start[i + 1]; k++) {
        const float w = rows.weight[k];
        const float* src = dy + (b * outH + rows.index[k]) * rowLen;
        for (int64_t e = 0; e < rowLen; e++) acc[e] += w * src[e];
      }
    }
  });
  // Then columns: dx[b, i, j] = sum over output columns c reading input column j of w * t[b, i, c].
  parallelFor(batch * inH, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, inW * ch)), [&](int64_t t0, int64_t t1) {
    for (int64_t task = t0; task < t1; task++) {
      const float* src = t.data() + task * rowLen;
      float* out = dx + task * inW * ch;
      for (int64_t j = 0; j < inW; j++) {
        float* o = out + j * ch;
        std::fill(o, o + ch, 0.0f);
        for (int64_t k = cols.start[j]; k < cols.start[j + 1]; k++) {
          const float w = cols.weight[k];
          const float* s = src + static_cast<int64_t>(cols.index[k]) * ch;
          for (int64_t d = 0; d < ch; d++) o[d] += w * s[d];
        }
      }
    }
  });
  return nullptr;
}

}  // namespace

void registerResize(napi_env env, napi_value exports) {
  exportFunction(env, exports, "resizeBilinear", resizeBilinear);
  exportFunction(env, exports, "resizeBilinearGrad", resizeBilinearGrad);
}

}  // namespace mila
