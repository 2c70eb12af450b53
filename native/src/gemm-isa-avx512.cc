// The GEMM and depthwise kernels built for avx512 (this file's compiler flags are set in binding.gyp; it
// only runs when gemm.cc's dispatch finds the CPU supports them).
#include <cmath>

#include "gemm-core.h"

namespace mila {
namespace isa_avx512 {

#define MILA_VL 16
#define MILA_MR 12
#define MILA_NV 2
#include "gemm-kernel.inc"
#include "conv-depthwise.inc"

extern const IsaKernels kernels = {"avx512f", MR, NR, gemm, depthwiseForward, depthwiseBackpropInput, depthwiseBackpropFilter};

}  // namespace isa_avx512
}  // namespace mila
