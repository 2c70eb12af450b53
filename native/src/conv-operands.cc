#include "conv-operands.h"

#include <cstring>

#include "gemm-operands.h"

namespace mila {

namespace {

// Copy `count` channels of x at (b, iy, ix) starting at channel c0 into dst with stride `step`, or zeros
// when the pixel lies in the padding.
inline void gatherChannels(const ConvGeometry& g, const float* x, int64_t b, int64_t iy, int64_t ix, int64_t c0, int64_t count, float* dst, int step) {
  if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) {
    for (int64_t c = 0; c < count; c++) dst[c * step] = 0.f;
    return;
  }
  const float* src = x + ((b * g.inH + iy) * g.inW + ix) * g.inC + c0;
  for (int64_t c = 0; c < count; c++) dst[c * step] = src[c];
}

}  // namespace

void packPatchesA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst) {
  const PatchOperand& op = *static_cast<const PatchOperand*>(ctx);
  const ConvGeometry& g = *op.g;
  for (int r = 0; r < rows; r++) {
    const int64_t p = i0 + r;
    const int64_t ox = p % g.outW, oy = (p / g.outW) % g.outH, b = p / (g.outW * g.outH);
    // Walk the k range one tap (a run of contiguous channels) at a time.
    int64_t k = k0;
    const int64_t kEnd = k0 + kc;
    while (k < kEnd) {
      const int64_t tap = k / g.inC, c0 = k % g.inC;
      const int64_t count = (g.inC - c0 < kEnd - k) ? g.inC - c0 : kEnd - k;
      const int64_t ky = tap / g.kw, kx = tap % g.kw;
      const int64_t iy = oy * g.strideH + ky * g.dilationH - g.padTop;
      const int64_t ix = ox * g.strideW + kx * g.dilationW - g.padLeft;
      gatherChannels(g, op.x, b, iy, ix, c0, count, dst + (k - k0) * MR + r, MR);
      k += count;
    }
  }
  for (int r = rows; r < MR; r++)
    for (int k = 0; k < kc; k++) dst[k * MR + r] = 0.f;
}

int64_t patchRowRunsA(const void* ctx, int64_t i0, int rows, int64_t k, int64_t kEnd, int MR, const float** ptrs) {
  const PatchOperand& op = *static_cast<const PatchOperand*>(ctx);
  const ConvGeometry& g = *op.g;
  const int64_t tap = k / g.inC, c0 = k % g.inC;
  const int64_t ky = tap / g.kw, kx = tap % g.kw;
  // Without dilation the taps of one filter row are neighbouring pixels, contiguous in NHWC: a run can
  // cover the rest of the row when every row of the panel has them all inside the image (the common
  // case; with 3 input channels that is 3x fewer, 3x longer runs).
  int64_t wide = g.dilationW == 1 ? (g.kw - kx) * g.inC - c0 : 0;
  if (kEnd - k < wide) wide = kEnd - k;
  const int64_t lastKx = wide > 0 ? kx + (c0 + wide - 1) / g.inC : kx;
  int64_t narrow = g.inC - c0;
  if (kEnd - k < narrow) narrow = kEnd - k;
  if (kZeroRun < narrow) narrow = kZeroRun;
  int64_t p = i0;
  int64_t ox = p % g.outW, oy = (p / g.outW) % g.outH, b = p / (g.outW * g.outH);
  bool allInside = wide > narrow;
  for (int r = 0; r < MR; r++) {
    if (r > 0 && r < rows && ++ox == g.outW) {
      ox = 0;
      if (++oy == g.outH) {
        oy = 0;
        b++;
      }
    }
    const int64_t iy = oy * g.strideH + ky * g.dilationH - g.padTop;
    const int64_t ix = ox * g.strideW + kx * g.dilationW - g.padLeft;
    const bool inside = iy >= 0 && iy < g.inH && ix >= 0 && ix < g.inW;
    if (allInside && !(inside && ix + (lastKx - kx) < g.inW)) allInside = false;
    ptrs[r] = inside ? op.x + ((b * g.inH + iy) * g.inW + ix) * g.inC + c0 : kZeros;
  }
  return allInside ? wide : narrow;
}

void packPatchesTransposedA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst) {
  const PatchOperand& op = *static_cast<const PatchOperand*>(ctx);
  const ConvGeometry& g = *op.g;
  // Per row of the panel: its tap offset and channel, fixed over the pixels.
  int64_t dyOff[64], dxOff[64], chan[64];
  for (int r = 0; r < rows; r++) {
    const int64_t m = i0 + r, tap = m / g.inC;
    chan[r] = m % g.inC;
    dyOff[r] = (tap / g.kw) * g.dilationH - g.padTop;
    dxOff[r] = (tap % g.kw) * g.dilationW - g.padLeft;
  }
  // Usually the panel's rows are consecutive channels of one tap: one short contiguous copy per pixel.
  const bool oneTap = dyOff[0] == dyOff[rows - 1] && dxOff[0] == dxOff[rows - 1] && chan[rows - 1] == chan[0] + rows - 1;
  int64_t ox = k0 % g.outW, oy = (k0 / g.outW) % g.outH, b = k0 / (g.outW * g.outH);
  for (int k = 0; k < kc; k++) {
    const int64_t baseY = oy * g.strideH, baseX = ox * g.strideW;
    const float* image = op.x + b * g.inH * g.inW * g.inC;
    float* d = dst + k * MR;
    if (++ox == g.outW) {
      ox = 0;
      if (++oy == g.outH) {
        oy = 0;
        b++;
      }
    }
    if (oneTap) {
      const int64_t iy = baseY + dyOff[0], ix = baseX + dxOff[0];
      if (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) {
        for (int r = 0; r < MR; r++) d[r] = 0.f;
      } else {
        const float* src = image + (iy * g.inW + ix) * g.inC + chan[0];
        for (int r = 0; r < rows; r++) d[r] = src[r];
        for (int r = rows; r < MR; r++) d[r] = 0.f;
      }
      continue;
    }
    for (int r = 0; r < rows; r++) {
      const int64_t iy = baseY + dyOff[r], ix = baseX + dxOff[r];
      d[r] = (iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW) ? 0.f : image[(iy * g.inW + ix) * g.inC + chan[r]];
    }
    for (int r = rows; r < MR; r++) d[r] = 0.f;
  }
}

void packInputGradA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst) {
  const InputGradPhase& ph = *static_cast<const InputGradPhase*>(ctx);
  const ConvGeometry& g = *ph.g;
  for (int r = 0; r < rows; r++) {
    const int64_t p = i0 + r;
    const int64_t qx = p % ph.rowsX, qy = (p / ph.rowsX) % ph.rowsY, b = p / (ph.rowsX * ph.rowsY);
    const int64_t iy = ph.py + qy * g.strideH, ix = ph.px + qx * g.strideW;
    int64_t k = k0;
    const int64_t kEnd = k0 + kc;
    while (k < kEnd) {
      const int64_t tap = k / g.outC, c0 = k % g.outC;
      const int64_t count = (g.outC - c0 < kEnd - k) ? g.outC - c0 : kEnd - k;
      const int64_t ky = ph.tapsY[tap / ph.nTapsX], kx = ph.tapsX[tap % ph.nTapsX];
      // Exact division: the phase's taps are the ones that reach a whole output pixel.
      const int64_t oy = (iy + g.padTop - ky * g.dilationH) / g.strideH;
      const int64_t ox = (ix + g.padLeft - kx * g.dilationW) / g.strideW;
      const bool inside = iy + g.padTop - ky * g.dilationH >= 0 && ix + g.padLeft - kx * g.dilationW >= 0 && oy < g.outH && ox < g.outW;
      float* d = dst + (k - k0) * MR + r;
      if (inside) {
        const float* src = ph.dy + ((b * g.outH + oy) * g.outW + ox) * g.outC + c0;
        for (int64_t c = 0; c < count; c++) d[c * MR] = src[c];
      } else {
        for (int64_t c = 0; c < count; c++) d[c * MR] = 0.f;
      }
      k += count;
    }
  }
  for (int r = rows; r < MR; r++)
    for (int k = 0; k < kc; k++) dst[k * MR + r] = 0.f;
}

int64_t inputGradRowRunsA(const void* ctx, int64_t i0, int rows, int64_t k, int64_t kEnd, int MR, const float** ptrs) {
  const InputGradPhase& ph = *static_cast<const InputGradPhase*>(ctx);
  const ConvGeometry& g = *ph.g;
  const int64_t tap = k / g.outC, c0 = k % g.outC;
  int64_t run = g.outC - c0;
  if (kEnd - k < run) run = kEnd - k;
  if (kZeroRun < run) run = kZeroRun;
  const int64_t ky = ph.tapsY[tap / ph.nTapsX], kx = ph.tapsX[tap % ph.nTapsX];
  for (int r = 0; r < MR; r++) {
    const int64_t p = i0 + (r < rows ? r : rows - 1);
    const int64_t qx = p % ph.rowsX, qy = (p / ph.rowsX) % ph.rowsY, b = p / (ph.rowsX * ph.rowsY);
    const int64_t ty = ph.py + qy * g.strideH + g.padTop - ky * g.dilationH;
    const int64_t tx = ph.px + qx * g.strideW + g.padLeft - kx * g.dilationW;
    // The phase's taps divide exactly; only the range is left to check.
    const int64_t oy = ty / g.strideH, ox = tx / g.strideW;
    const bool inside = ty >= 0 && tx >= 0 && oy < g.outH && ox < g.outW;
    ptrs[r] = inside ? ph.dy + ((b * g.outH + oy) * g.outW + ox) * g.outC + c0 : kZeros;
  }
  return run;
}

void packInputGradB(const void* ctx, int64_t k0, int kc, int64_t j0, int cols, int NR, float* dst) {
  const InputGradPhase& ph = *static_cast<const InputGradPhase*>(ctx);
  const ConvGeometry& g = *ph.g;
  for (int k = 0; k < kc; k++) {
    const int64_t kk = k0 + k, tap = kk / g.outC, co = kk % g.outC;
    const int64_t ky = ph.tapsY[tap / ph.nTapsX], kx = ph.tapsX[tap % ph.nTapsX];
    const float* src = ph.w + ((ky * g.kw + kx) * g.inC + j0) * g.outC + co;
    float* d = dst + k * NR;
    for (int c = 0; c < cols; c++) d[c] = src[c * g.outC];
    for (int c = cols; c < NR; c++) d[c] = 0.f;
  }
}

float* inputGradRow(const void* ctx, int64_t i) {
  const InputGradPhase& ph = *static_cast<const InputGradPhase*>(ctx);
  const ConvGeometry& g = *ph.g;
  const int64_t qx = i % ph.rowsX, qy = (i / ph.rowsX) % ph.rowsY, b = i / (ph.rowsX * ph.rowsY);
  const int64_t iy = ph.py + qy * g.strideH, ix = ph.px + qx * g.strideW;
  return ph.dx + ((b * g.inH + iy) * g.inW + ix) * g.inC;
}

}  // namespace mila
