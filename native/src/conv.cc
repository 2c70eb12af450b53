// NHWC convolutions for Conv2D / FusedConv2D / DepthwiseConv2dNative / FusedDepthwiseConv2D and their
// gradients. Dense convolutions are GEMMs over implicit im2col operands (conv-operands.h); depthwise
// ones are direct loops (conv-depthwise.inc).
//
// Every function takes a geometry Int32Array:
//   [batch, inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft]
// (for depthwise convolutions outC = inC * channel multiplier).
#include <string>

#include "conv-operands.h"
#include "gemm-core.h"
#include "gemm-operands.h"
#include "kernels.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace mila {

namespace {

constexpr int64_t kMaxKernel = 64;  // InputGradPhase's tap lists

ConvGeometry readGeometry(Args& a, size_t i) {
  size_t n;
  const int32_t* v = a.i32(i, &n);
  if (n != 15) throw ArgError{"geometry must have 15 entries, got " + std::to_string(n)};
  ConvGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  if (g.batch < 0 || g.inH < 0 || g.inW < 0 || g.inC < 0 || g.outH < 0 || g.outW < 0 || g.outC < 0) throw ArgError{"negative size in geometry"};
  if (g.kh < 1 || g.kw < 1 || g.kh > kMaxKernel || g.kw > kMaxKernel) throw ArgError{"filter size must be 1.." + std::to_string(kMaxKernel)};
  if (g.strideH < 1 || g.strideW < 1 || g.dilationH < 1 || g.dilationW < 1) throw ArgError{"strides and dilations must be >= 1"};
  return g;
}

void requireAtLeast(size_t have, int64_t need, const char* what) {
  if (static_cast<int64_t>(have) < need) {
    throw ArgError{std::string(what) + " has " + std::to_string(have) + " elements, needs " + std::to_string(need)};
  }
}

int32_t checkedActivation(int32_t act) {
  if (act < kLinear || act > kLeakyRelu) throw ArgError{"unknown activation code " + std::to_string(act)};
  return act;
}

bool isPointwise(const ConvGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 && g.outH == g.inH &&
         g.outW == g.inW;
}

// conv2d(x, filter, bias|null, y, geometry, activation, activationAlpha)
MILA_KERNEL(conv2d, 7) {
  const ConvGeometry g = readGeometry(a, 4);
  size_t lx, lw, ly, lb;
  const float* x = a.f32(0, &lx);
  const float* w = a.f32(1, &lw);
  const float* bias = a.f32OrNull(2, &lb);
  float* y = a.f32(3, &ly);
  requireAtLeast(lx, g.batch * g.inH * g.inW * g.inC, "x");
  requireAtLeast(lw, g.kh * g.kw * g.inC * g.outC, "filter");
  requireAtLeast(ly, g.batch * g.outH * g.outW * g.outC, "y");
  if (bias) requireAtLeast(lb, g.outC, "bias");
  const PatchOperand patches{&g, x};
  const MatrixOperand plainX{x, g.inC, false};
  const MatrixOperand filter{w, g.outC, false};
  GemmTask t;
  t.M = g.batch * g.outH * g.outW;
  t.N = g.outC;
  t.K = g.kh * g.kw * g.inC;
  const bool pointwise = isPointwise(g);
  const bool direct = g.outC <= (pointwise ? kDirectAMaxColumns : kDirectPatchMaxColumns);
  if (pointwise) {
    t.aCtx = &plainX;
    if (direct) t.rowRunsA = matrixRowRunsA;
    else t.packA = packMatrixA;
  } else {
    t.aCtx = &patches;
    if (direct) t.rowRunsA = patchRowRunsA;
    else t.packA = packPatchesA;
  }
  t.packB = packMatrixB;
  t.bCtx = &filter;
  t.c = y;
  t.ldc = g.outC;
  t.bias = bias;
  t.activation = checkedActivation(a.int32(5));
  t.activationAlpha = static_cast<float>(a.number(6));
  gemmParallel(t);
  return nullptr;
}

// conv2dBackpropFilter(x, dy, dw, geometry): dw[ky, kx, ci, co] = sum over pixels of patch * dy.
MILA_KERNEL(conv2dBackpropFilter, 4) {
  const ConvGeometry g = readGeometry(a, 3);
  size_t lx, ldy, ldw;
  const float* x = a.f32(0, &lx);
  const float* dy = a.f32(1, &ldy);
  float* dw = a.f32(2, &ldw);
  requireAtLeast(lx, g.batch * g.inH * g.inW * g.inC, "x");
  requireAtLeast(ldy, g.batch * g.outH * g.outW * g.outC, "dy");
  requireAtLeast(ldw, g.kh * g.kw * g.inC * g.outC, "dw");
  const PatchOperand patches{&g, x};
  const MatrixOperand plainXT{x, g.inC, true};
  const MatrixOperand dyMatrix{dy, g.outC, false};
  GemmTask t;
  t.M = g.kh * g.kw * g.inC;
  t.N = g.outC;
  t.K = g.batch * g.outH * g.outW;
  if (isPointwise(g)) {
    t.packA = packMatrixA;
    t.aCtx = &plainXT;
  } else {
    t.packA = packPatchesTransposedA;
    t.aCtx = &patches;
  }
  t.packB = packMatrixB;
  t.bCtx = &dyMatrix;
  t.c = dw;
  t.ldc = g.outC;
  gemmParallel(t);
  return nullptr;
}

inline int64_t positiveMod(int64_t v, int64_t m) { return ((v % m) + m) % m; }

// conv2dBackpropInput(dy, filter, dx, geometry): one GEMM per stride phase of the input.
MILA_KERNEL(conv2dBackpropInput, 4) {
  const ConvGeometry g = readGeometry(a, 3);
  size_t ldy, lw, ldx;
  const float* dy = a.f32(0, &ldy);
  const float* w = a.f32(1, &lw);
  float* dx = a.f32(2, &ldx);
  requireAtLeast(ldy, g.batch * g.outH * g.outW * g.outC, "dy");
  requireAtLeast(lw, g.kh * g.kw * g.inC * g.outC, "filter");
  requireAtLeast(ldx, g.batch * g.inH * g.inW * g.inC, "dx");
  if (isPointwise(g)) {
    // dx = dy · W^T.
    const MatrixOperand dyMatrix{dy, g.outC, false};
    const MatrixOperand filterT{w, g.outC, true};
    GemmTask t;
    t.M = g.batch * g.inH * g.inW;
    t.N = g.inC;
    t.K = g.outC;
    t.aCtx = &dyMatrix;
    if (g.inC <= kDirectAMaxColumns) t.rowRunsA = matrixRowRunsA;
    else t.packA = packMatrixA;
    t.packB = packMatrixB;
    t.bCtx = &filterT;
    t.c = dx;
    t.ldc = g.inC;
    gemmParallel(t);
    return nullptr;
  }
  for (int64_t py = 0; py < g.strideH && py < g.inH; py++) {
    for (int64_t px = 0; px < g.strideW && px < g.inW; px++) {
      InputGradPhase ph;
      ph.g = &g;
      ph.dy = dy;
      ph.w = w;
      ph.dx = dx;
      ph.py = py;
      ph.px = px;
      ph.rowsY = (g.inH - py + g.strideH - 1) / g.strideH;
      ph.rowsX = (g.inW - px + g.strideW - 1) / g.strideW;
      ph.nTapsY = ph.nTapsX = 0;
      for (int64_t ky = 0; ky < g.kh; ky++)
        if (positiveMod(py + g.padTop - ky * g.dilationH, g.strideH) == 0) ph.tapsY[ph.nTapsY++] = ky;
      for (int64_t kx = 0; kx < g.kw; kx++)
        if (positiveMod(px + g.padLeft - kx * g.dilationW, g.strideW) == 0) ph.tapsX[ph.nTapsX++] = kx;
      GemmTask t;
      t.M = g.batch * ph.rowsY * ph.rowsX;
      t.N = g.inC;
      t.K = ph.nTapsY * ph.nTapsX * g.outC;  // 0 taps: the phase's pixels get zeros
      t.aCtx = &ph;
      if (g.inC <= kDirectAMaxColumns) t.rowRunsA = inputGradRowRunsA;
      else t.packA = packInputGradA;
      t.packB = packInputGradB;
      t.bCtx = &ph;
      if (g.strideH == 1 && g.strideW == 1) {
        t.c = dx;
        t.ldc = g.inC;
      } else {
        t.rowFn = inputGradRow;
        t.rowCtx = &ph;
      }
      gemmParallel(t);
    }
  }
  return nullptr;
}

DepthwiseTask depthwiseTask(const ConvGeometry& g) {
  if (g.inC == 0 || g.outC % g.inC != 0) throw ArgError{"depthwise output channels must be a multiple of the input channels"};
  DepthwiseTask t;
  t.batch = g.batch;
  t.inH = g.inH;
  t.inW = g.inW;
  t.channels = g.inC;
  t.mult = g.outC / g.inC;
  t.outH = g.outH;
  t.outW = g.outW;
  t.kh = g.kh;
  t.kw = g.kw;
  t.strideH = g.strideH;
  t.strideW = g.strideW;
  t.dilationH = g.dilationH;
  t.dilationW = g.dilationW;
  t.padTop = g.padTop;
  t.padLeft = g.padLeft;
  return t;
}

// depthwiseConv2d(x, filter, bias|null, y, geometry, activation, activationAlpha)
MILA_KERNEL(depthwiseConv2d, 7) {
  const ConvGeometry g = readGeometry(a, 4);
  DepthwiseTask t = depthwiseTask(g);
  size_t lx, lw, ly, lb;
  t.x = a.f32(0, &lx);
  t.w = a.f32(1, &lw);
  t.bias = a.f32OrNull(2, &lb);
  t.out = a.f32(3, &ly);
  requireAtLeast(lx, g.batch * g.inH * g.inW * g.inC, "x");
  requireAtLeast(lw, g.kh * g.kw * g.outC, "filter");
  requireAtLeast(ly, g.batch * g.outH * g.outW * g.outC, "y");
  if (t.bias) requireAtLeast(lb, g.outC, "bias");
  t.activation = checkedActivation(a.int32(5));
  t.activationAlpha = static_cast<float>(a.number(6));
  isaKernels().depthwiseForward(t);
  return nullptr;
}

// depthwiseConv2dBackpropInput(dy, filter, dx, geometry)
MILA_KERNEL(depthwiseConv2dBackpropInput, 4) {
  const ConvGeometry g = readGeometry(a, 3);
  DepthwiseTask t = depthwiseTask(g);
  size_t ldy, lw, ldx;
  t.dy = a.f32(0, &ldy);
  t.w = a.f32(1, &lw);
  t.out = a.f32(2, &ldx);
  requireAtLeast(ldy, g.batch * g.outH * g.outW * g.outC, "dy");
  requireAtLeast(lw, g.kh * g.kw * g.outC, "filter");
  requireAtLeast(ldx, g.batch * g.inH * g.inW * g.inC, "dx");
  isaKernels().depthwiseBackpropInput(t);
  return nullptr;
}

// depthwiseConv2dBackpropFilter(x, dy, dw, geometry)
MILA_KERNEL(depthwiseConv2dBackpropFilter, 4) {
  const ConvGeometry g = readGeometry(a, 3);
  DepthwiseTask t = depthwiseTask(g);
  size_t lx, ldy, ldw;
  t.x = a.f32(0, &lx);
  t.dy = a.f32(1, &ldy);
  t.out = a.f32(2, &ldw);
  requireAtLeast(lx, g.batch * g.inH * g.inW * g.inC, "x");
  requireAtLeast(ldy, g.batch * g.outH * g.outW * g.outC, "dy");
  requireAtLeast(ldw, g.kh * g.kw * g.outC, "dw");
  isaKernels().depthwiseBackpropFilter(t);
  return nullptr;
}

}  // namespace

void registerConv(napi_env env, napi_value exports) {
  exportFunction(env, exports, "conv2d", conv2d);
  exportFunction(env, exports, "conv2dBackpropFilter", conv2dBackpropFilter);
  exportFunction(env, exports, "conv2dBackpropInput", conv2dBackpropInput);
  exportFunction(env, exports, "depthwiseConv2d", depthwiseConv2d);
  exportFunction(env, exports, "depthwiseConv2dBackpropInput", depthwiseConv2dBackpropInput);
  exportFunction(env, exports, "depthwiseConv2dBackpropFilter", depthwiseConv2dBackpropFilter);
}

}  // namespace mila
