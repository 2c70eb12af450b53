// The general tensor kernels of the native backend (core/native-backend/ on the JS side): data movement,
// element-wise math with broadcasting, row softmax and reductions, bilinear resizing. One registration per file.
#pragma once
#include <node_api.h>

namespace mila {
void registerTensorCopy(napi_env env, napi_value exports);  // tensor-copy.cc
void registerTensorMath(napi_env env, napi_value exports);  // tensor-math.cc
void registerTensorReduce(napi_env env, napi_value exports);  // tensor-reduce.cc
void registerResize(napi_env env, napi_value exports);  // resize.cc
}  // namespace mila
