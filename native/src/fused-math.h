// Files that include this start with
//   #pragma GCC optimize("no-trapping-math", "fp-contract=fast")
// Without it GCC keeps float selects (a < b ? c : d) as branches, which stops vectorisation (4x slower).
//
// Branch-free float math for the element-wise kernels: written so that GCC vectorises the loops that use it
// (no libm calls, no data-dependent branches), at ~1 ulp (exp) and ~1.2e-7 relative (erfc) accuracy.
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

// erfc(z) for z >= 0 (Numerical Recipes' Chebyshev fit, relative error < 1.2e-7 everywhere).
inline float erfcNonNegative(float z) {
  float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return t * expApprox(p - z * z);
}

// Phi(x) = P(N(0,1) <= x) = 0.5 (1 + erf(x / sqrt 2)), accurate in relative terms on both tails
// (the negative tail is 0.5 erfc(|x| / sqrt 2) directly, not 1 minus something close to 1).
inline float normalCdf(float x) {
  float a = x < 0.0f ? -x : x;
  float half = 0.5f * erfcNonNegative(a * 0.70710678118654752f);
  return x < 0.0f ? half : 1.0f - half;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + expApprox(-x)); }

// elu(x) + 1 = x > 0 ? x + 1 : e^x (exp of min(x, 0) only, so that the select stays branch-free).
inline float eluPlusOne(float x) { return x > 0.0f ? x + 1.0f : expApprox(x < 0.0f ? x : 0.0f); }

}  // namespace mila
