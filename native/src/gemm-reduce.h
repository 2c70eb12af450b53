// Sums over axes (gemm-reduce.cc), exported through registerGemm: kernels.h lists one call per kernel file.
#pragma once
#include <node_api.h>

namespace mila {
void registerReduce(napi_env env, napi_value exports);
}  // namespace mila
