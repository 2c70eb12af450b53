// The fused element-wise kernels of the MILA block (core/fused/ on the JS side), one registration per file;
// registerElementwise (elementwise.cc) calls the others.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <string>

#include "napi-args.h"

namespace mila {

void registerLayerNorm(napi_env env, napi_value exports);        // layer-norm.cc
void registerLinearAttention(napi_env env, napi_value exports);  // linear-attention.cc
void registerSoftmaxCrossEntropy(napi_env env, napi_value exports);  // softmax-cross-entropy.cc

// Items per parallel chunk for streaming element-wise loops: large enough that a chunk outweighs the
// hand-off to a pool thread (~a few us), small enough that 2 threads split a 64x64 map.
constexpr int64_t kElementGrain = 16384;

}  // namespace mila
