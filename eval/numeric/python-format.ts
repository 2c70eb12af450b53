/**
 * Python's '{:0.Nf}' for a float: like toFixed, except that an exact tie (a double exactly halfway
 * between two N-decimal numbers, e.g. 0.0625 at 3 decimals) rounds half to even where toFixed
 * rounds up.
 */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const ax = Math.abs(x);
  // A tie is exact only for a dyadic value with a short expansion; 40 more digits of the exact
  // expansion (toFixed is exact) show whether anything follows the 5.
  const EXTRA = 40;
  const exact = ax.toFixed(digits + EXTRA);
  const tail = exact.slice(exact.length - EXTRA);
  if (tail === '5' + '0'.repeat(EXTRA - 1)) {
    const truncated = exact.slice(0, exact.length - EXTRA).replace(/\.$/, '');
    const last = truncated.charCodeAt(truncated.length - 1) - 48;
    // toFixed rounds the tie up; Python rounds it to the even neighbour.
    if (last % 2 === 0) return sign + truncated;
  }
  return sign + ax.toFixed(digits);
}

/** Python's repr() of a float as numpy prints a float64 scalar: shortest round trip, "100.0", "nan". */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return `${Object.is(x, -0) ? '-' : ''}${Math.abs(x)}.0`;
  const s = String(x);
  // JS and Python agree on digits; they differ in exponent style (1e-7 vs 1e-07), which only tiny values reach.
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

/** np.round(x, decimals): scale, round half to even (rint), unscale. */
export function npRound(x: number, decimals: number): number {
  const f = 10 ** decimals;
  const y = x * f;
  let r = Math.round(y);
  if (Math.abs(y - Math.trunc(y)) === 0.5) r = 2 * Math.round(y / 2);
  return r / f;
}
