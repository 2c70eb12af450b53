/**
 * Intersection over union of detections against ground truths (bbIou / rleIou of maskApi.c). For a
 * crowd ground truth the denominator is the detection's own area, so a detection inside a crowd
 * region scores 1 however large the region is.
 */
import { area, toBbox, type Bbox, type Rle } from './rle.js';

/**
 * Box IoU into `out[d * n + g]` (row-major, one row per detection). `dt` and `gt` are flat
 * [x, y, w, h] arrays of m and n boxes.
 */
export function bboxIouInto(dt: ArrayLike<number>, gt: ArrayLike<number>, m: number, n: number, iscrowd: ArrayLike<number> | null, out: Float64Array): void {
  for (let g = 0; g < n; g++) {
    const gx = gt[g * 4]!;
    const gy = gt[g * 4 + 1]!;
    const gw = gt[g * 4 + 2]!;
    const gh = gt[g * 4 + 3]!;
    const ga = gw * gh;
    const crowd = iscrowd !== null && !!iscrowd[g];
    for (let d = 0; d < m; d++) {
      const dx = dt[d * 4]!;
      const dy = dt[d * 4 + 1]!;
      const dw = dt[d * 4 + 2]!;
      const dh = dt[d * 4 + 3]!;
      const da = dw * dh;
      const o = d * n + g;
      out[o] = 0;
      const iw = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (iw <= 0) continue;
      const ih = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
      if (ih <= 0) continue;
      const i = iw * ih;
      const u = crowd ? da : da + ga - i;
      out[o] = i / u;
    }
  }
}

/** IoU of two RLEs of the same size by walking both run lists (the inner loop of rleIou). */
function rlePairIou(dt: Rle, gt: Rle, crowd: boolean): number {
  const A = dt.counts;
  const B = gt.counts;
  const ka = A.length;
  const kb = B.length;
  let ca = A[0]!;
  let cb = B[0]!;
  let va = false;
  let vb = false;
  let a = 1;
  let b = 1;
  let inter = 0;
  let uni = 0;
  let ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      uni += c;
      if (va && vb) inter += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < ka) {
      ca = A[a++]!;
      va = !va;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < kb) {
      cb = B[b++]!;
      vb = !vb;
    }
    ct += cb;
  }
  if (inter === 0) uni = 1;
  else if (crowd) uni = area(dt);
  return inter / uni;
}

/**
 * RLE IoU into `out[d * n + g]`. As in rleIou, pairs whose boxes do not overlap are 0 without
 * walking the runs, and overlapping pairs of different image sizes are -1. `dtBoxes`/`gtBoxes` may
 * pass precomputed toBbox results.
 */
export function rleIouInto(dt: readonly Rle[], gt: readonly Rle[], iscrowd: ArrayLike<number> | null, out: Float64Array, dtBoxes?: Float64Array, gtBoxes?: Float64Array): void {
  const m = dt.length;
  const n = gt.length;
  const db = dtBoxes ?? boxesOf(dt);
  const gb = gtBoxes ?? boxesOf(gt);
  bboxIouInto(db, gb, m, n, iscrowd, out);
  for (let g = 0; g < n; g++) {
    const G = gt[g]!;
    const crowd = iscrowd !== null && !!iscrowd[g];
    for (let d = 0; d < m; d++) {
      const o = d * n + g;
      if (!(out[o]! > 0)) continue;
      const D = dt[d]!;
      if (D.h !== G.h || D.w !== G.w) {
        out[o] = -1;
        continue;
      }
      out[o] = rlePairIou(D, G, crowd);
    }
  }
}

/** Flat [x, y, w, h] boxes of RLEs (toBbox of each). */
export function boxesOf(rles: readonly Rle[]): Float64Array {
  const out = new Float64Array(rles.length * 4);
  for (let i = 0; i < rles.length; i++) out.set(toBbox(rles[i]!), i * 4);
  return out;
}

function isRle(x: unknown): x is Rle {
  return typeof x === 'object' && x !== null && 'counts' in x && 'h' in x;
}

/**
 * pycocotools' `mask.iou(dt, gt, iscrowd)`: a matrix with one row per detection and one column per
 * ground truth, for two lists of RLEs or two lists of [x, y, w, h] boxes; `[]` if either is empty.
 */
export function iou(dt: readonly Rle[] | readonly ArrayLike<number>[], gt: readonly Rle[] | readonly ArrayLike<number>[], iscrowd: ArrayLike<number | boolean>): number[][] {
  const m = dt.length;
  const n = gt.length;
  if (m === 0 || n === 0) return [];
  const crowd = Uint8Array.from(Array.from(iscrowd as ArrayLike<number | boolean>, (c) => (c ? 1 : 0)));
  const out = new Float64Array(m * n);
  const dtRle = dt.every(isRle);
  const gtRle = gt.every(isRle);
  if (dtRle !== gtRle) throw new Error('iou: dt and gt must both be RLEs or both be boxes');
  if (dtRle) rleIouInto(dt as readonly Rle[], gt as readonly Rle[], crowd, out);
  else {
    const flat = (boxes: readonly ArrayLike<number>[]): Float64Array => {
      const f = new Float64Array(boxes.length * 4);
      boxes.forEach((b, i) => {
        if (b.length !== 4) throw new Error('iou: boxes must be [x, y, w, h]');
        for (let c = 0; c < 4; c++) f[i * 4 + c] = b[c]!;
      });
      return f;
    };
    bboxIouInto(flat(dt as readonly ArrayLike<number>[]), flat(gt as readonly ArrayLike<number>[]), m, n, crowd, out);
  }
  const rows: number[][] = [];
  for (let d = 0; d < m; d++) rows.push(Array.from(out.subarray(d * n, d * n + n)));
  return rows;
}

export type { Bbox };
