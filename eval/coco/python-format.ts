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
