// Element-wise activations of the MILA block with their gradients: exact GELU, SiLU, elu(x) + 1.
// Each is one pass over memory (tfjs composes GELU from 5 passes, SiLU from 2); loops vectorise.
#pragma GCC optimize("no-trapping-math", "fp-contract=fast")
#include "fused-kernels.h"
#include "fused-math.h"
#include "kernels.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace {

using mila::kElementGrain;

// y = x Phi(x)
MILA_SIMD_CLONES void geluRange(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * mila::normalCdf(x[i]);
}

// dx = dy (Phi(x) + x phi(x))
MILA_SIMD_CLONES void geluGradRange(const float* __restrict x, const float* __restrict dy, float* __restrict dx, int64_t n) {
  const float invSqrt2Pi = 0.3989422804014327f;
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    const float pdf = invSqrt2Pi * mila::expApprox(-0.5f * v * v);
    dx[i] = dy[i] * (mila::normalCdf(v) + v * pdf);
  }
}

// y = x sigmoid(x)
MILA_SIMD_CLONES void siluRange(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] * mila::sigmoid(x[i]);
}

// dx = dy s (1 + x (1 - s)), s = sigmoid(x)
MILA_SIMD_CLONES void siluGradRange(const float* __restrict x, const float* __restrict dy, float* __restrict dx, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float s = mila::sigmoid(x[i]);
    dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
  }
}

// y = elu(x) + 1 = x > 0 ? x + 1 : e^x
MILA_SIMD_CLONES void eluPlusOneRange(const float* __restrict x, float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = mila::eluPlusOne(x[i]);
}

// From the output: the derivative is 1 where y > 1 (x > 0) and y = e^x elsewhere, i.e. min(y, 1).
MILA_SIMD_CLONES void eluPlusOneGradRange(const float* __restrict y, const float* __restrict dy, float* __restrict dx, int64_t n) {
  for (int64_t i = 0; i < n; i++) dx[i] = dy[i] * (y[i] < 1.0f ? y[i] : 1.0f);
}

napi_value forward(mila::Args& a, const char* name, void (*range)(const float*, float*, int64_t)) {
  size_t n, ny;
  const float* x = a.f32(0, &n);
  float* y = a.f32(1, &ny);
  mila::requireLength(ny, n, name);
  mila::parallelFor(static_cast<int64_t>(n), kElementGrain, [&](int64_t b, int64_t e) { range(x + b, y + b, e - b); });
  return nullptr;
}

napi_value backward(mila::Args& a, const char* name, void (*range)(const float*, const float*, float*, int64_t)) {
  size_t n, nd, nx;
  const float* s = a.f32(0, &n);
  const float* dy = a.f32(1, &nd);
  float* dx = a.f32(2, &nx);
  mila::requireLength(nd, n, name);
  mila::requireLength(nx, n, name);
  mila::parallelFor(static_cast<int64_t>(n), kElementGrain, [&](int64_t b, int64_t e) { range(s + b, dy + b, dx + b, e - b); });
  return nullptr;
}

// (x, y)
MILA_KERNEL(geluForward, 2) { return forward(a, "geluForward: y", geluRange); }
// (x, dy, dx)
MILA_KERNEL(geluBackward, 3) { return backward(a, "geluBackward: dy/dx", geluGradRange); }
MILA_KERNEL(siluForward, 2) { return forward(a, "siluForward: y", siluRange); }
MILA_KERNEL(siluBackward, 3) { return backward(a, "siluBackward: dy/dx", siluGradRange); }
MILA_KERNEL(eluPlusOneForward, 2) { return forward(a, "eluPlusOneForward: y", eluPlusOneRange); }
// (y, dy, dx): from the forward's output
MILA_KERNEL(eluPlusOneBackward, 3) { return backward(a, "eluPlusOneBackward: dy/dx", eluPlusOneGradRange); }

}  // namespace

namespace mila {

// Bumped whenever a fused function's arguments change (core/fused/fused-compute.ts refuses other versions).
constexpr int kFusedAbiVersion = 4;

void registerElementwise(napi_env env, napi_value exports) {
  napi_value version;
  napi_create_int32(env, kFusedAbiVersion, &version);
  napi_set_named_property(env, exports, "fusedAbiVersion", version);
  exportFunction(env, exports, "geluForward", geluForward);
  exportFunction(env, exports, "geluBackward", geluBackward);
  exportFunction(env, exports, "siluForward", siluForward);
  exportFunction(env, exports, "siluBackward", siluBackward);
  exportFunction(env, exports, "eluPlusOneForward", eluPlusOneForward);
  exportFunction(env, exports, "eluPlusOneBackward", eluPlusOneBackward);
  registerLayerNorm(env, exports);
  registerLinearAttention(env, exports);
  registerSoftmaxCrossEntropy(env, exports);
}

}  // namespace mila
