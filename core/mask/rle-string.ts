/**
 * pycocotools' compressed RLE strings (rleToString / rleFrString): each count, minus the count two
 * places before it from the fourth on, is written as a signed varint of 5-bit groups in ASCII 48..111
 * (bit 0x20 = more groups follow, bit 0x10 of the last group = sign).
 */
import type { Rle } from './rle.js';

/** An RLE as JSON: `counts` is the compressed string or the plain list of runs. */
export interface RleJson {
  size: [number, number];
  counts: string | number[];
}

export function rleToString(rle: Rle): string {
  const cnts = rle.counts;
  const out: number[] = [];
  for (let i = 0; i < cnts.length; i++) {
    // Counts fit in uint32 and their differences in 33 bits, beyond int32 bit operators: use floor division.
    let x = cnts[i]!;
    if (i > 2) x -= cnts[i - 2]!;
    let more = true;
    while (more) {
      let c = x - Math.floor(x / 32) * 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out.push(c + 48);
    }
  }
  return fromCharCodes(out);
}

/** String.fromCharCode in chunks: spreading a huge array would overflow the call stack. */
function fromCharCodes(codes: number[]): string {
  let s = '';
  for (let i = 0; i < codes.length; i += 32768) s += String.fromCharCode(...codes.slice(i, i + 32768));
  return s;
}

export function rleFromString(s: string, h: number, w: number): Rle {
  const cnts = new Uint32Array(s.length);
  let m = 0;
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error(`RLE string ends inside a count: "${s.length > 40 ? s.slice(0, 40) + '...' : s}"`);
      const c = s.charCodeAt(p) - 48;
      x += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= 2 ** (5 * k);
    }
    if (m > 2) x += cnts[m - 2]!;
    cnts[m++] = x; // Uint32Array stores x mod 2^32, like the C (uint) cast
  }
  return { h, w, counts: cnts.slice(0, m) };
}

/** A compressed or uncompressed JSON RLE as an Rle. */
export function rleFromJson(obj: RleJson): Rle {
  if (!obj || !Array.isArray(obj.size) || obj.size.length !== 2) throw new Error('RLE object needs "size": [h, w]');
  const [h, w] = obj.size;
  if (typeof obj.counts === 'string') return rleFromString(obj.counts, h, w);
  if (Array.isArray(obj.counts)) return { h, w, counts: Uint32Array.from(obj.counts) };
  throw new Error('RLE object needs "counts" as a string or a list of numbers');
}

/** An Rle as pycocotools writes it: `{size: [h, w], counts: <compressed string>}`. */
export function rleToJson(rle: Rle): { size: [number, number]; counts: string } {
  return { size: [rle.h, rle.w], counts: rleToString(rle) };
}
