/**
 * Python's '{:0.Nf}' for a float: like toFixed, except that an exact tie (a double exactly halfway
 * between two N-decimal numbers, e.g. 0.0625 at 3 decimals) rounds half to even where toFixed
 * rounds up.
 */
export function pyFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const ax = Math.abs(x);
  const scale2 = 2 * 10 ** digits;
  const y = ax * scale2;
  if (Number.isInteger(y) && y % 2 === 1 && y / scale2 === ax) {
    const lo = (y - 1) / 2;
    const n = lo % 2 === 0 ? lo : lo + 1;
    const s = String(n).padStart(digits + 1, '0');
    return sign + (digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s);
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
