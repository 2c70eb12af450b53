// The GEMM and depthwise kernels built for avx2 (this file's compiler flags are set in binding.gyp; it
// only runs when gemm.cc's dispatch finds the CPU supports them).
#include <cmath>

#include "gemm-core.h"

namespace mila {
namespace isa_avx2 {

#define MILA_VL 8
#define MILA_MR 6
#define MILA_NV 2
#include "gemm-kernel.inc"
#include "conv-depthwise.inc"

extern const IsaKernels kernels = {"avx2+fma", MR, NR, gemm, depthwiseForward, depthwiseBackpropInput, depthwiseBackpropFilter};

}  // namespace isa_avx2
}  // namespace mila
