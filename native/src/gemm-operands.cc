#include "gemm-operands.h"

#include <cstring>

namespace mila {

void packMatrixA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst) {
  const MatrixOperand& m = *static_cast<const MatrixOperand*>(ctx);
  if (m.transposed) {
    // Stored K x M: each k's MR values are contiguous.
    for (int k = 0; k < kc; k++) {
      const float* src = m.data + (k0 + k) * m.ld + i0;
      float* d = dst + k * MR;
      std::memcpy(d, src, sizeof(float) * rows);
      for (int r = rows; r < MR; r++) d[r] = 0.f;
    }
    return;
  }
  for (int r = 0; r < rows; r++) {
    const float* src = m.data + (i0 + r) * m.ld + k0;
    for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
  }
  for (int r = rows; r < MR; r++)
    for (int k = 0; k < kc; k++) dst[k * MR + r] = 0.f;
}

void packMatrixB(const void* ctx, int64_t k0, int kc, int64_t j0, int cols, int NR, float* dst) {
  const MatrixOperand& m = *static_cast<const MatrixOperand*>(ctx);
  if (!m.transposed) {
    for (int k = 0; k < kc; k++) {
      const float* src = m.data + (k0 + k) * m.ld + j0;
      float* d = dst + k * NR;
      std::memcpy(d, src, sizeof(float) * cols);
      for (int c = cols; c < NR; c++) d[c] = 0.f;
    }
    return;
  }
  // Stored N x K: walk each stored row once (contiguous reads), scatter into the panel.
  for (int c = 0; c < cols; c++) {
    const float* src = m.data + (j0 + c) * m.ld + k0;
    for (int k = 0; k < kc; k++) dst[k * NR + c] = src[k];
  }
  for (int c = cols; c < NR; c++)
    for (int k = 0; k < kc; k++) dst[k * NR + c] = 0.f;
}

int64_t matrixRowRunsA(const void* ctx, int64_t i0, int rows, int64_t k, int64_t kEnd, int MR, const float** ptrs) {
  const MatrixOperand& m = *static_cast<const MatrixOperand*>(ctx);
  for (int r = 0; r < MR; r++) ptrs[r] = m.data + (i0 + (r < rows ? r : rows - 1)) * m.ld + k;
  return kEnd - k;
}

const float kZeros[kZeroRun] = {};

}  // namespace mila
