// Element-wise stages of MILA's linear attention, fused so that each is one pass:
//  - eluRope: qk = elu(x) + 1 (q then k), RoPE of q and k written straight into the head-major layout
//    [b, heads, n, d] the per-head matmuls read, and mean_n(k) (replaces Elu, Add, Reverse, 2 Mul, Add,
//    2 SplitV, 2 Transpose, Mean);
//  - attnOutput: y = transpose(o) * z + lepe with the normaliser z = 1 / (q . mean_n(k) + 1e-6) per head
//    (replaces Mul, Sum, Add, Reciprocal, Transpose, Mul, Add), optionally times silu(gate) (Sigmoid, 2 Mul).
// RoPE rotates channel pairs (2p, 2p+1) by the angle of pair p at each position: cos/sin are [n, c/2].
// Reassociation lets GCC vectorise the per-head dot products (results depend on the build, not on threads).
#pragma GCC optimize("no-trapping-math", "fp-contract=fast", "associative-math", "no-signed-zeros")
#include <algorithm>
#include <vector>

#include "fused-kernels.h"
#include "fused-math.h"
#include "napi-args.h"
#include "thread-pool.h"

namespace {

struct AttnShape {
  int64_t batch, tokens, channels, heads, headDim;
};

AttnShape attnShape(mila::Args& a, size_t at) {
  AttnShape s{a.int64(at), a.int64(at + 1), a.int64(at + 2), a.int64(at + 3), 0};
  if (s.batch <= 0 || s.tokens <= 0 || s.channels <= 0 || s.heads <= 0 || s.channels % s.heads != 0) {
    throw mila::ArgError{"bad shape (batch, tokens, channels, heads)"};
  }
  s.headDim = s.channels / s.heads;
  return s;
}

// One position of one image: y = elu(x) + 1 for q then k (c channels each), and their rotations into
// head-major rows (rq/rk point at head 0 of this position; heads are tokens * d apart).
MILA_SIMD_CLONES void eluRopePosition(const float* __restrict x, const float* __restrict cr, const float* __restrict sr,
                                      float* __restrict yq, float* __restrict yk, float* __restrict rq, float* __restrict rk,
                                      float* __restrict kSum, int64_t c, int64_t heads, int64_t headStride) {
  const int64_t d = c / heads;
  for (int64_t j = 0; j < c; j++) yq[j] = mila::eluPlusOne(x[j]);
  for (int64_t j = 0; j < c; j++) {
    yk[j] = mila::eluPlusOne(x[c + j]);
    kSum[j] += yk[j];
  }
  for (int64_t h = 0; h < heads; h++) {
    const float* ch = cr + h * d / 2;
    const float* sh = sr + h * d / 2;
    const float* qh = yq + h * d;
    const float* kh = yk + h * d;
    float* oq = rq + h * headStride;
    float* ok = rk + h * headStride;
    for (int64_t p = 0; p < d / 2; p++) {
      oq[2 * p] = qh[2 * p] * ch[p] - qh[2 * p + 1] * sh[p];
      oq[2 * p + 1] = qh[2 * p + 1] * ch[p] + qh[2 * p] * sh[p];
      ok[2 * p] = kh[2 * p] * ch[p] - kh[2 * p + 1] * sh[p];
      ok[2 * p + 1] = kh[2 * p + 1] * ch[p] + kh[2 * p] * sh[p];
    }
  }
}

// The gradient at one position: dx = (dy + rope^T(dRope)) * min(y, 1), rope^T rotating by minus the angle;
// k's dy includes mean(k)'s gradient over n (kMeanGrad).
MILA_SIMD_CLONES void eluRopeGradPosition(const float* __restrict yq, const float* __restrict yk,
                                          const float* __restrict gq, const float* __restrict gk, const float* __restrict kMeanGrad,
                                          const float* __restrict rq, const float* __restrict rk,
                                          const float* __restrict cr, const float* __restrict sr, float* __restrict dx,
                                          int64_t c, int64_t heads, int64_t headStride) {
  const int64_t d = c / heads;
  for (int part = 0; part < 2; part++) {
    const float* y = part == 0 ? yq : yk;
    const float* gy = part == 0 ? gq : gk;
    const float* gr = part == 0 ? rq : rk;
    const float gmScale = part == 0 ? 0.0f : 1.0f;
    float* out = dx + part * c;
    for (int64_t h = 0; h < heads; h++) {
      const float* ch = cr + h * d / 2;
      const float* sh = sr + h * d / 2;
      const float* g = gr + h * headStride;
      const int64_t at = h * d;
      for (int64_t p = 0; p < d / 2; p++) {
        const float te = g[2 * p] * ch[p] + g[2 * p + 1] * sh[p];
        const float to = g[2 * p + 1] * ch[p] - g[2 * p] * sh[p];
        const float ye = y[at + 2 * p];
        const float yo = y[at + 2 * p + 1];
        const float ge = gy[at + 2 * p] + gmScale * kMeanGrad[at + 2 * p];
        const float go = gy[at + 2 * p + 1] + gmScale * kMeanGrad[at + 2 * p + 1];
        out[at + 2 * p] = (ge + te) * (ye < 1.0f ? ye : 1.0f);
        out[at + 2 * p + 1] = (go + to) * (yo < 1.0f ? yo : 1.0f);
      }
    }
  }
}

// Positions per block of the sums over positions (fixed by the shape, summed in a fixed order, so results do
// not depend on the thread count).
constexpr int64_t kTokensPerBlock = 256;

// eluRopeForward(x, cos, sin, q, k, qRope, kRope, kMean, batch, tokens, channels, heads)
MILA_KERNEL(eluRopeForward, 12) {
  size_t nx, ncos, nsin, nq, nk, nqr, nkr, nm;
  const float* x = a.f32(0, &nx);
  const float* cosT = a.f32(1, &ncos);
  const float* sinT = a.f32(2, &nsin);
  float* q = a.f32(3, &nq);
  float* k = a.f32(4, &nk);
  float* qr = a.f32(5, &nqr);
  float* kr = a.f32(6, &nkr);
  float* kMean = a.f32(7, &nm);
  const AttnShape s = attnShape(a, 8);
  if (s.headDim % 2 != 0) throw mila::ArgError{"RoPE needs an even head dimension"};
  const size_t half = static_cast<size_t>(s.batch * s.tokens * s.channels);
  const int64_t pairs = s.channels / 2;
  mila::requireLength(nx, 2 * half, "eluRopeForward: x");
  mila::requireLength(ncos, static_cast<size_t>(s.tokens * pairs), "eluRopeForward: cos");
  mila::requireLength(nsin, ncos, "eluRopeForward: sin");
  for (size_t len : {nq, nk, nqr, nkr}) mila::requireLength(len, half, "eluRopeForward: output");
  mila::requireLength(nm, static_cast<size_t>(s.batch * s.channels), "eluRopeForward: kMean");
  const int64_t imageStride = s.tokens * s.channels;
  const int64_t headStride = s.tokens * s.headDim;
  const int64_t blocksPerImage = (s.tokens + kTokensPerBlock - 1) / kTokensPerBlock;
  std::vector<float> partial(static_cast<size_t>(s.batch * blocksPerImage * s.channels), 0.0f);
  mila::parallelFor(s.batch * blocksPerImage, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; blk++) {
      const int64_t bi = blk / blocksPerImage;
      const int64_t p0 = (blk % blocksPerImage) * kTokensPerBlock;
      const int64_t p1 = std::min(s.tokens, p0 + kTokensPerBlock);
      for (int64_t pos = p0; pos < p1; pos++) {
        const int64_t t = bi * s.tokens + pos;
        const int64_t rot = bi * imageStride + pos * s.headDim;
        eluRopePosition(x + t * 2 * s.channels, cosT + pos * pairs, sinT + pos * pairs, q + t * s.channels, k + t * s.channels,
                        qr + rot, kr + rot, partial.data() + blk * s.channels, s.channels, s.heads, headStride);
      }
    }
  });
  for (int64_t bi = 0; bi < s.batch; bi++) {
    for (int64_t j = 0; j < s.channels; j++) {
      double sum = 0.0;
      for (int64_t blk = 0; blk < blocksPerImage; blk++) sum += partial[(bi * blocksPerImage + blk) * s.channels + j];
      kMean[bi * s.channels + j] = static_cast<float>(sum / static_cast<double>(s.tokens));
    }
  }
  return nullptr;
}

// eluRopeBackward(q, k, dq, dk, dqRope, dkRope, dkMean, cos, sin, dx, batch, tokens, channels, heads)
MILA_KERNEL(eluRopeBackward, 14) {
  size_t nq, nk, ndq, ndk, ndqr, ndkr, ndm, ncos, nsin, ndx;
  const float* q = a.f32(0, &nq);
  const float* k = a.f32(1, &nk);
  const float* dq = a.f32(2, &ndq);
  const float* dk = a.f32(3, &ndk);
  const float* dqr = a.f32(4, &ndqr);
  const float* dkr = a.f32(5, &ndkr);
  const float* dkm = a.f32(6, &ndm);
  const float* cosT = a.f32(7, &ncos);
  const float* sinT = a.f32(8, &nsin);
  float* dx = a.f32(9, &ndx);
  const AttnShape s = attnShape(a, 10);
  if (s.headDim % 2 != 0) throw mila::ArgError{"RoPE needs an even head dimension"};
  const size_t half = static_cast<size_t>(s.batch * s.tokens * s.channels);
  const int64_t pairs = s.channels / 2;
  for (size_t len : {nq, nk, ndq, ndk, ndqr, ndkr}) mila::requireLength(len, half, "eluRopeBackward: input");
  mila::requireLength(ncos, static_cast<size_t>(s.tokens * pairs), "eluRopeBackward: cos");
  mila::requireLength(nsin, ncos, "eluRopeBackward: sin");
  mila::requireLength(ndx, 2 * half, "eluRopeBackward: dx");
  mila::requireLength(ndm, static_cast<size_t>(s.batch * s.channels), "eluRopeBackward: dkMean");
  // mean's gradient: each position gets dkMean / n.
  std::vector<float> kMeanGrad(ndm);
  for (size_t i = 0; i < ndm; i++) kMeanGrad[i] = dkm[i] / static_cast<float>(s.tokens);
  const int64_t imageStride = s.tokens * s.channels;
  const int64_t headStride = s.tokens * s.headDim;
  mila::parallelFor(s.batch * s.tokens, std::max<int64_t>(1, mila::kElementGrain / (2 * s.channels)), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t bi = t / s.tokens;
      const int64_t pos = t % s.tokens;
      const int64_t rot = bi * imageStride + pos * s.headDim;
      const int64_t at = t * s.channels;
      eluRopeGradPosition(q + at, k + at, dq + at, dk + at, kMeanGrad.data() + bi * s.channels, dqr + rot, dkr + rot,
                          cosT + pos * pairs, sinT + pos * pairs,
                          dx + 2 * at, s.channels, s.heads, headStride);
    }
  });
  return nullptr;
}

constexpr float kNormEps = 1e-6f;

// One position: a[h, :] = o[h, :] / (q[h, :] . kMean[h, :] + 1e-6) + lepe[h, :] (o's heads headStride apart),
// y = a, or a * silu(gate) when a gate is given (the MILA block's gating, one pass less each way).
MILA_SIMD_CLONES void attnOutputPosition(const float* __restrict o, const float* __restrict q, const float* __restrict kMean,
                                         const float* __restrict lepe, const float* __restrict gate, float* __restrict y,
                                         int64_t heads, int64_t d, int64_t headStride) {
  for (int64_t h = 0; h < heads; h++) {
    const float* qh = q + h * d;
    const float* mh = kMean + h * d;
    const float* oh = o + h * headStride;
    float* yh = y + h * d;
    float dot = 0.0f;
    for (int64_t j = 0; j < d; j++) dot += qh[j] * mh[j];
    const float z = 1.0f / (dot + kNormEps);
    for (int64_t j = 0; j < d; j++) yh[j] = oh[j] * z + lepe[h * d + j];
    if (gate != nullptr) {
      const float* gh = gate + h * d;
      for (int64_t j = 0; j < d; j++) yh[j] *= gh[j] * mila::sigmoid(gh[j]);
    }
  }
}

// Its gradient: with da = dy (no gate) or dy * silu(g): dO = da z, dQ = dDot kMean, dDot q summed into pm
// (kMean's gradient), dDot = -(da . o) z^2; with a gate also dLepe = da and dGate = dy a silu'(g).
MILA_SIMD_CLONES void attnOutputGradPosition(const float* __restrict o, const float* __restrict q, const float* __restrict kMean,
                                             const float* __restrict lepe, const float* __restrict gate,
                                             const float* __restrict dy, float* __restrict dO, float* __restrict dQ,
                                             float* __restrict dLepe, float* __restrict dGate,
                                             float* __restrict pm, int64_t heads, int64_t d, int64_t headStride) {
  for (int64_t h = 0; h < heads; h++) {
    const float* qh = q + h * d;
    const float* mh = kMean + h * d;
    const float* oh = o + h * headStride;
    float dot = 0.0f;
    for (int64_t j = 0; j < d; j++) dot += qh[j] * mh[j];
    const float z = 1.0f / (dot + kNormEps);
    const float* da = dy + h * d;
    if (gate != nullptr) {
      const float* gh = gate + h * d;
      const float* lh = lepe + h * d;
      float* dl = dLepe + h * d;
      float* dg = dGate + h * d;
      for (int64_t j = 0; j < d; j++) {
        const float s = mila::sigmoid(gh[j]);
        const float g = dy[h * d + j];
        dl[j] = g * gh[j] * s;
        dg[j] = g * (oh[j] * z + lh[j]) * s * (1.0f + gh[j] * (1.0f - s));
      }
      da = dl;
    }
    float go = 0.0f;
    for (int64_t j = 0; j < d; j++) go += da[j] * oh[j];
    const float dDot = -go * z * z;
    float* doh = dO + h * headStride;
    for (int64_t j = 0; j < d; j++) {
      doh[j] = da[j] * z;
      dQ[h * d + j] = dDot * mh[j];
      pm[h * d + j] += dDot * qh[j];
    }
  }
}

// attnOutputForward(o, q, kMean, lepe, gate | null, y, batch, tokens, channels, heads)
MILA_KERNEL(attnOutputForward, 10) {
  size_t no, nq, nm, nl, ng, ny;
  const float* o = a.f32(0, &no);
  const float* q = a.f32(1, &nq);
  const float* kMean = a.f32(2, &nm);
  const float* lepe = a.f32(3, &nl);
  const float* gate = a.f32OrNull(4, &ng);
  float* y = a.f32(5, &ny);
  const AttnShape s = attnShape(a, 6);
  const size_t total = static_cast<size_t>(s.batch * s.tokens * s.channels);
  for (size_t len : {no, nq, nl, ny}) mila::requireLength(len, total, "attnOutputForward: tensor");
  if (gate != nullptr) mila::requireLength(ng, total, "attnOutputForward: gate");
  mila::requireLength(nm, static_cast<size_t>(s.batch * s.channels), "attnOutputForward: kMean");
  const int64_t d = s.headDim;
  const int64_t headStride = s.tokens * d;
  mila::parallelFor(s.batch * s.tokens, std::max<int64_t>(1, mila::kElementGrain / s.channels), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) {
      const int64_t bi = t / s.tokens;
      const int64_t pos = t % s.tokens;
      const int64_t at = t * s.channels;
      attnOutputPosition(o + bi * s.tokens * s.channels + pos * d, q + at, kMean + bi * s.channels, lepe + at,
                         gate != nullptr ? gate + at : nullptr, y + at, s.heads, d, headStride);
    }
  });
  return nullptr;
}

// attnOutputBackward(o, q, kMean, lepe, gate | null, dy, dO, dQ, dKMean, dLepe, dGate, batch, tokens, channels, heads);
// without a gate, dLepe and dGate are not written (lepe's gradient is dy itself) and may be null.
MILA_KERNEL(attnOutputBackward, 15) {
  size_t no, nq, nm, nl, ng, nd, ndo, ndq, ndm, ndl, ndg;
  const float* o = a.f32(0, &no);
  const float* q = a.f32(1, &nq);
  const float* kMean = a.f32(2, &nm);
  const float* lepe = a.f32OrNull(3, &nl);
  const float* gate = a.f32OrNull(4, &ng);
  const float* dy = a.f32(5, &nd);
  float* dO = a.f32(6, &ndo);
  float* dQ = a.f32(7, &ndq);
  float* dM = a.f32(8, &ndm);
  float* dLepe = a.f32OrNull(9, &ndl);
  float* dGate = a.f32OrNull(10, &ndg);
  const AttnShape s = attnShape(a, 11);
  const size_t total = static_cast<size_t>(s.batch * s.tokens * s.channels);
  for (size_t len : {no, nq, nd, ndo, ndq}) mila::requireLength(len, total, "attnOutputBackward: tensor");
  if (gate != nullptr) {
    if (lepe == nullptr || dLepe == nullptr || dGate == nullptr) throw mila::ArgError{"a gate needs lepe, dLepe and dGate"};
    for (size_t len : {nl, ng, ndl, ndg}) mila::requireLength(len, total, "attnOutputBackward: gated tensor");
  }
  for (size_t len : {nm, ndm}) mila::requireLength(len, static_cast<size_t>(s.batch * s.channels), "attnOutputBackward: kMean");
  const int64_t d = s.headDim;
  const int64_t blocksPerImage = (s.tokens + kTokensPerBlock - 1) / kTokensPerBlock;
  const int64_t blocks = s.batch * blocksPerImage;
  std::vector<float> partial(static_cast<size_t>(blocks * s.channels), 0.0f);
  const int64_t headStride = s.tokens * d;
  mila::parallelFor(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t blk = b0; blk < b1; blk++) {
      const int64_t bi = blk / blocksPerImage;
      const int64_t p0 = (blk % blocksPerImage) * kTokensPerBlock;
      const int64_t p1 = std::min(s.tokens, p0 + kTokensPerBlock);
      float* pm = partial.data() + blk * s.channels;
      for (int64_t pos = p0; pos < p1; pos++) {
        const int64_t at = (bi * s.tokens + pos) * s.channels;
        const int64_t ho = bi * s.tokens * s.channels + pos * d;
        const bool gated = gate != nullptr;
        attnOutputGradPosition(o + ho, q + at, kMean + bi * s.channels, gated ? lepe + at : nullptr, gated ? gate + at : nullptr,
                               dy + at, dO + ho, dQ + at, gated ? dLepe + at : nullptr, gated ? dGate + at : nullptr, pm, s.heads, d,
                               headStride);
      }
    }
  });
  for (int64_t bi = 0; bi < s.batch; bi++) {
    for (int64_t j = 0; j < s.channels; j++) {
      double sum = 0.0;
      for (int64_t blk = 0; blk < blocksPerImage; blk++) sum += partial[(bi * blocksPerImage + blk) * s.channels + j];
      dM[bi * s.channels + j] = static_cast<float>(sum);
    }
  }
  return nullptr;
}

}  // namespace

namespace mila {

void registerLinearAttention(napi_env env, napi_value exports) {
  exportFunction(env, exports, "eluRopeForward", eluRopeForward);
  exportFunction(env, exports, "eluRopeBackward", eluRopeBackward);
  exportFunction(env, exports, "attnOutputForward", attnOutputForward);
  exportFunction(env, exports, "attnOutputBackward", attnOutputBackward);
}

}  // namespace mila
