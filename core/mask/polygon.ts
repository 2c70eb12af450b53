/**
 * Polygon and box rasterisation exactly as pycocotools' rleFrPoly / rleFrBbox: the polygon is
 * upsampled by 5, its edges are walked pixel by pixel, and a pixel is inside where the walk crosses
 * a column centre of the downsampled grid; the crossings become RLE boundaries directly.
 */
import type { Rle } from './rle.js';

const SCALE = 5;
const INT_MIN = -2147483648;

/**
 * C's (int) cast of a double: truncation toward zero; NaN and out-of-range values give INT_MIN, as
 * x86's cvttsd2si does (a zero-length edge divides 0 by 0 in rleFrPoly).
 */
function cInt(x: number): number {
  if (Number.isNaN(x) || x >= 2147483648 || x < INT_MIN) return INT_MIN;
  return Math.trunc(x);
}

/** RLE of one polygon given as flat [x0, y0, x1, y1, ...] in an h x w image (rleFrPoly). */
export function frPoly(xy: ArrayLike<number>, h: number, w: number): Rle {
  const k = Math.floor(xy.length / 2);
  const x = new Float64Array(k + 1);
  const y = new Float64Array(k + 1);
  for (let j = 0; j < k; j++) x[j] = cInt(SCALE * xy[j * 2]! + 0.5);
  x[k] = x[0]!;
  for (let j = 0; j < k; j++) y[j] = cInt(SCALE * xy[j * 2 + 1]! + 0.5);
  y[k] = y[0]!;
  let m = 0;
  for (let j = 0; j < k; j++) m += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1;
  const u = new Float64Array(m);
  const v = new Float64Array(m);
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs;
      xs = xe;
      xe = t;
      t = ys;
      ys = ye;
      ye = t;
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = cInt(ys + s * t + 0.5);
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = cInt(xs + s * t + 0.5);
        m++;
      }
    }
  }
  // Points where the boundary crosses a pixel-column centre, downsampled to the image grid.
  const total = m;
  const bx = new Float64Array(total);
  const by = new Float64Array(total);
  m = 0;
  for (let j = 1; j < total; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / SCALE - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / SCALE - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    bx[m] = cInt(xd);
    by[m] = cInt(yd);
    m++;
  }
  // Boundary positions in column-major order become the run lengths.
  const kk = m + 1;
  const a = new Uint32Array(kk);
  for (let j = 0; j < m; j++) a[j] = bx[j]! * cInt(h) + by[j]!;
  a[m] = h * w;
  a.sort();
  let p = 0;
  for (let j = 0; j < kk; j++) {
    const t = a[j]!;
    a[j] = t - p;
    p = t;
  }
  const b = new Uint32Array(kk);
  let j = 0;
  m = 0;
  b[m++] = a[j++]!;
  while (j < kk) {
    if (a[j]! > 0) b[m++] = a[j++]!;
    else {
      // A zero run means two boundaries at one position: they cancel, so the neighbours join.
      j++;
      if (j < kk) b[m - 1] = b[m - 1]! + a[j++]!;
    }
  }
  return { h, w, counts: b.slice(0, m) };
}

/** RLE of an [x, y, w, h] box (rleFrBbox: the box as a 4-point polygon). */
export function frBbox(bb: ArrayLike<number>, h: number, w: number): Rle {
  const xs = bb[0]!;
  const xe = xs + bb[2]!;
  const ys = bb[1]!;
  const ye = ys + bb[3]!;
  return frPoly([xs, ys, xs, ye, xe, ye, xe, ys], h, w);
}
