/**
 * Phi(x) = 0.5 (1 + erf(x / sqrt 2)) for exact GELU, as native/src/fused-math.h computes it: erf as the
 * rational fit x P(x^2) / Q(x^2) on [-4, 4] that Eigen and XNNPACK use (absolute error ~2 float ulp; beyond
 * |4| erf rounds to +-1 in float32). Like PyTorch's 0.5 x (1 + erf), accurate in absolute terms.
 */
export function normalCdf(x: number): number {
  const u = Math.min(4, Math.max(-4, x * Math.SQRT1_2));
  const u2 = u * u;
  const p =
    -1.60960333262415e-2 +
    u2 * (-2.95459980854025e-3 + u2 * (-7.34990630326855e-4 + u2 * (-5.69250639462346e-5 + u2 * (-2.10102402082508e-6 + u2 * (2.77068142495902e-8 + u2 * -2.72614225801306e-10)))));
  const q = -1.42647390514189e-2 + u2 * (-7.37332916720468e-3 + u2 * (-1.68282697438203e-3 + u2 * (-2.13374055278905e-4 + u2 * -1.45660718464996e-5)));
  return 0.5 + (0.5 * u * p) / q;
}
