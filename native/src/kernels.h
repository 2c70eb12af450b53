// Each kernel file exports its functions through one registration call, so files can grow independently.
#pragma once
#include <node_api.h>

namespace mila {
void registerGemm(napi_env env, napi_value exports);         // gemm.cc
void registerConv(napi_env env, napi_value exports);         // conv.cc
void registerElementwise(napi_env env, napi_value exports);  // elementwise.cc
void registerOptimizer(napi_env env, napi_value exports);    // optimizer.cc
void registerBatchNorm(napi_env env, napi_value exports);    // batch-norm.cc
}  // namespace mila
