// The AVX-512 kernels' exact blocking (16-float vectors, 12 x 32 register block) compiled for AVX2, so
// that their loop and edge logic is tested on CPUs without AVX-512 (MILA_NATIVE_ISA=avx512-layout; the
// compiler splits each 16-float vector into two AVX2 registers). Never chosen by default.
#include <cmath>

#include "gemm-core.h"

namespace mila {
namespace isa_avx512_layout {

#define MILA_VL 16
#define MILA_MR 12
#define MILA_NV 2
#include "gemm-kernel.inc"
#include "conv-depthwise.inc"

extern const IsaKernels kernels = {"avx512-layout-on-avx2", MR, NR, gemm, depthwiseForward, depthwiseBackpropInput, depthwiseBackpropFilter};

}  // namespace isa_avx512_layout
}  // namespace mila
