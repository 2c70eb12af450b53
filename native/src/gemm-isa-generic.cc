// The GEMM and depthwise kernels built for generic (this file's compiler flags are set in binding.gyp; it
// only runs when gemm.cc's dispatch finds the CPU supports them).
#include <cmath>

#include "gemm-core.h"

namespace mila {
namespace isa_generic {

#define MILA_VL 4
#define MILA_MR 6
#define MILA_NV 2
#include "gemm-kernel.inc"
#include "conv-depthwise.inc"

extern const IsaKernels kernels = {"generic", MR, NR, gemm, depthwiseForward, depthwiseBackpropInput, depthwiseBackpropFilter};

}  // namespace isa_generic
}  // namespace mila
