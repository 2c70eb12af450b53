// Packing of plain row-major matrices (optionally transposed) for the GEMM of gemm-core.h.
#pragma once
#include <cstdint>

#include "gemm-core.h"

namespace mila {

// A stored row-major matrix: element (r, c) of the operand is data[r * ld + c], or data[c * ld + r]
// when `transposed` (the stored matrix is the operand's transpose).
struct MatrixOperand {
  const float* data;
  int64_t ld;
  bool transposed;
};

// PackAFn / PackBFn for a MatrixOperand context.
void packMatrixA(const void* ctx, int64_t i0, int rows, int64_t k0, int kc, int MR, float* dst);
void packMatrixB(const void* ctx, int64_t k0, int kc, int64_t j0, int cols, int NR, float* dst);
// RowRunsAFn for an untransposed MatrixOperand (its rows are contiguous).
int64_t matrixRowRunsA(const void* ctx, int64_t i0, int rows, int64_t k, int64_t kEnd, int MR, const float** ptrs);

// Zeros for row runs that fall in padding: runs pointing here are at most kZeroRun long.
constexpr int64_t kZeroRun = 4096;
extern const float kZeros[kZeroRun];

}  // namespace mila
