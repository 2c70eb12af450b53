// mila_native: optional CPU kernels for the wasm and cpu backends, built at install when a compiler is present.
#include "kernels.h"
#include "napi-args.h"
#include "tensor-ops.h"
#include "thread-pool.h"

#include <atomic>
#include <vector>

namespace {

// Bumped whenever a function's arguments change, so a stale build is refused by the loader.
constexpr int kAbiVersion = 1;

MILA_KERNEL(numThreads, 0) {
  napi_value v;
  napi_create_int32(a.env(), mila::numThreads(), &v);
  return v;
}

MILA_KERNEL(setNumThreads, 1) {
  mila::setNumThreads(a.int32(0));
  return nullptr;
}

// Parallel sum of squares, to test the pool from JS.
MILA_KERNEL(sumSquares, 1) {
  size_t n;
  const float* x = a.f32(0, &n);
  std::vector<double> partial(static_cast<size_t>(mila::numThreads()) * 64, 0.0);
  std::atomic<int> slot{0};
  mila::parallelFor(static_cast<int64_t>(n), 4096, [&](int64_t b, int64_t e) {
    double s = 0;
    for (int64_t i = b; i < e; i++) s += static_cast<double>(x[i]) * x[i];
    partial[static_cast<size_t>(slot.fetch_add(1)) % partial.size()] += s;
  });
  double total = 0;
  for (double p : partial) total += p;
  napi_value v;
  napi_create_double(a.env(), total, &v);
  return v;
}

}  // namespace

static napi_value Init(napi_env env, napi_value exports) {
  napi_value version;
  napi_create_int32(env, kAbiVersion, &version);
  napi_set_named_property(env, exports, "abiVersion", version);
  mila::exportFunction(env, exports, "numThreads", numThreads);
  mila::exportFunction(env, exports, "setNumThreads", setNumThreads);
  mila::exportFunction(env, exports, "sumSquares", sumSquares);
  mila::registerGemm(env, exports);
  mila::registerConv(env, exports);
  mila::registerElementwise(env, exports);
  mila::registerOptimizer(env, exports);
  mila::registerBatchNorm(env, exports);
  mila::registerTensorCopy(env, exports);
  mila::registerTensorMath(env, exports);
  mila::registerTensorReduce(env, exports);
  mila::registerResize(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
