// Files that include this start with
//   #pragma GCC optimize("no-trapping-math", "fp-contract=fast")
// Without it GCC keeps float selects (a < b ? c : d) as branches, which stops vectorisation (4x slower).
//
// Branch-free float math for the element-wise kernels: written so that GCC vectorises the loops that use it
// (no libm calls, no data-dependent branches), at ~1 ulp (exp) and ~2 ulp absolute (erf) accuracy.
#pragma once
#include <cstdint>
#include <cstring>

// Hot loops are compiled twice, for AVX2+FMA (x86-64-v3) and the baseline, and picked at load time by the
// CPU (3x faster for erf/exp-heavy loops on AVX2 machines; the build's flags target baseline x86-64 only).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define MILA_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default"), noinline))
#else
#define MILA_SIMD_CLONES
#endif

namespace mila {

// e^x for x in float range: Cephes' range reduction (x = n ln2 + r) and degree-6 polynomial; the input is
// clamped to [-87, 88] so that 2^n stays a normal float (e^-87 ~ 1.6e-38 stands in for smaller results).
inline float expApprox(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  // Round to nearest as floor(v + 0.5), the floor by truncation of a positive number (x >= -87 keeps
  // x log2 e + 128.5 > 0); unlike the 1.5 * 2^23 trick this survives -fassociative-math, and vectorises.
  const int32_t ni = static_cast<int32_t>(x * 1.44269504088896341f + 128.5f) - 128;
  const float n = static_cast<float>(ni);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float e = p * r * r + r + 1.0f;
  int32_t bits = (ni + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return e * scale;
}

// erf(x) as a rational function x P(x^2) / Q(x^2) on [-4, 4] (|erf| rounds to 1 beyond): the fit Eigen
// and XNNPACK use, absolute error ~2 ulp, no exp. 2.8x faster than erfc-via-exp, same accuracy where GELU
// is large (PyTorch's exact GELU, 0.5 x (1 + erf), has the same absolute, not relative, error in its tail).
inline float erfRational(float x) {
  x = x < -4.0f ? -4.0f : x;
  x = x > 4.0f ? 4.0f : x;
  const float x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

// Phi(x) = P(N(0,1) <= x) = 0.5 (1 + erf(x / sqrt 2)).
inline float normalCdf(float x) { return 0.5f + 0.5f * erfRational(x * 0.70710678118654752f); }

inline float sigmoid(float x) { return 1.0f / (1.0f + expApprox(-x)); }

// elu(x) + 1 = x > 0 ? x + 1 : e^x (exp of min(x, 0) only, so that the select stays branch-free).
inline float eluPlusOne(float x) { return x > 0.0f ? x + 1.0f : expApprox(x < 0.0f ? x : 0.0f); }

}  // namespace mila
