// One AdamW step for one parameter in a single pass (tfjs would run ten element-wise ops, each a pass
// over the parameter). The arithmetic is PyTorch's single-tensor AdamW in float32, op by op and without
// contraction into FMAs, so it gives the same bits as the same formula in tfjs ops.
#include <cmath>

#include "kernels.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace mila {
namespace {

// adamwStep(p, m, v, g, pOut, mOut, vOut, c: Float32Array[8]) with c = [decay, beta1, 1-beta1, beta2,
// 1-beta2, sqrt(1-beta2^t), eps, lr/(1-beta1^t)], each already rounded to float32 by the caller;
// decay = 1 - lr*wd (1 when the parameter has no weight decay).
MILA_KERNEL(adamwStep, 8) {
  size_t n, nm, nv, ng, np2, nm2, nv2, nc;
  const float* p = a.f32(0, &n);
  const float* m = a.f32(1, &nm);
  const float* v = a.f32(2, &nv);
  const float* g = a.f32(3, &ng);
  float* pOut = a.f32(4, &np2);
  float* mOut = a.f32(5, &nm2);
  float* vOut = a.f32(6, &nv2);
  const float* c = a.f32(7, &nc);
  requireLength(nm, n, "exp_avg");
  requireLength(nv, n, "exp_avg_sq");
  requireLength(ng, n, "gradient");
  requireLength(np2, n, "parameter output");
  requireLength(nm2, n, "exp_avg output");
  requireLength(nv2, n, "exp_avg_sq output");
  requireLength(nc, 8, "constants");
  const float decay = c[0], beta1 = c[1], oneMinusBeta1 = c[2], beta2 = c[3], oneMinusBeta2 = c[4];
  const float bc2Sqrt = c[5], eps = c[6], stepSize = c[7];
  parallelFor(static_cast<int64_t>(n), 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float gi = g[i];
      const float decayed = p[i] * decay;
      const float mi = m[i] * beta1 + gi * oneMinusBeta1;
      const float gg = gi * gi;
      const float vi = v[i] * beta2 + gg * oneMinusBeta2;
      const float denom = std::sqrt(vi) / bc2Sqrt + eps;
      const float update = (mi / denom) * stepSize;
      mOut[i] = mi;
      vOut[i] = vi;
      pOut[i] = decayed - update;
    }
  });
  return nullptr;
}

}  // namespace

void registerOptimizer(napi_env env, napi_value exports) { exportFunction(env, exports, "adamwStep", adamwStep); }

}  // namespace mila
