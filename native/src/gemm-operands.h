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

}  // namespace mila
