/**
 * Phi(x) = 0.5 (1 + erf(x / sqrt 2)) for exact GELU, as native/src/fused-math.h computes it: erfc by
 * Numerical Recipes' Chebyshev fit (relative error < 1.2e-7), the negative tail taken as 0.5 erfc(|x| / sqrt 2)
 * so that it keeps its relative accuracy (tfjs' composite 0.5 x (1 + erf) loses it to cancellation).
 */
export function normalCdf(x: number): number {
  const z = Math.abs(x) * Math.SQRT1_2;
  const t = 1 / (1 + 0.5 * z);
  const p =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const half = 0.5 * t * Math.exp(p - z * z);
  return x < 0 ? half : 1 - half;
}
