// Implicit im2col operands of NHWC convolutions for the GEMM of gemm-core.h: the patch matrix is never
// stored, its rows are gathered straight into the GEMM's packed panels.
#pragma once
#include <cstdint>

#include "gemm-core.h"

namespace mila {

// Dense NHWC convolution geometry; filter [kh, kw, inC, outC].
struct ConvGeometry {
  int64_t batch, inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft;
};

// Forward patches: row = output pixel (b, oy, ox), column = (ky, kx, ci); zero outside the image.
struct PatchOperand {
  const ConvGeometry* g;
  const float* x;
};
void packPatchesA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst);
// The same rows read in place: a run is one tap's contiguous channels.
int64_t patchRowRunsA(const void* ctx, int64_t i0, int rows, int64_t k, int64_t kEnd, int MR, const float** ptrs);

// The same matrix transposed (row = (ky, kx, ci), column = output pixel): the filter gradient's left operand.
void packPatchesTransposedA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst);

// One phase (py, px) of the input gradient of a strided convolution: the input pixels with
// iy % strideH == py and ix % strideW == px receive dY only through the taps listed here.
struct InputGradPhase {
  const ConvGeometry* g;
  const float* dy;
  const float* w;
  float* dx;
  int64_t py, px;
  int64_t rowsY, rowsX;  // how many iy / ix fall in this phase
  int64_t tapsY[64], tapsX[64];
  int64_t nTapsY, nTapsX;
};
// Left operand: row = phase pixel, column = (tap, co): dY at the output pixel the tap connects to.
void packInputGradA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst);
int64_t inputGradRowRunsA(const void* ctx, int64_t i0, int rows, int64_t k, int64_t kEnd, int MR, const float** ptrs);
// Right operand: row = (tap, co), column = ci: the filter with in/out channels swapped.
void packInputGradB(const void* ctx, int64_t k0, int kc, int64_t j0, int cols, int NR, float* dst);
// Where the phase's row i lands in dX.
float* inputGradRow(const void* ctx, int64_t i);

}  // namespace mila
