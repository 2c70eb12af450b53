/**
 * Box overlaps as mmdet 2.x `bbox_overlaps` (iou2d_calculator.py): boxes are x1y1x2y2 with no "+1"
 * (area = (x2 - x1) * (y2 - y1)), negative widths clamp to no overlap, and the denominator is
 * max(union, eps) so degenerate boxes give 0 instead of NaN.
 *
 * Every step is rounded to float32 in torch's order (areas, `(rb - lt).clamp(min=0)`, `w * h`,
 * `area1 + area2 - overlap`, `max(union, eps)`, the division): the assigner compares these values for
 * equality (low-quality matches keep every anchor tying a gt's best IoU), and ties that exist in float32
 * vanish when the arithmetic is done in doubles.
 *
 * Boxes everywhere in `core/boxes` are flat `Float32Array`s of n * 4 values (x1, y1, x2, y2 per box):
 * assignment, sampling and NMS are small and branchy, so they run on the host, not as tensors.
 */

export type OverlapMode = 'iou' | 'iof';

const f32 = Math.fround;

/** Number of boxes in a flat n * 4 array (throws if the length is not a multiple of 4). */
export function boxCount(boxes: ArrayLike<number>, what = 'boxes'): number {
  if (boxes.length % 4 !== 0) throw new Error(`core/boxes: ${what} has ${boxes.length} values, not a multiple of 4`);
  return boxes.length / 4;
}

/** (x2 - x1) * (y2 - y1) per box, in float32 as torch computes it. */
export function boxAreas(boxes: ArrayLike<number>): Float32Array {
  const n = boxCount(boxes);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f32(boxes[4 * i + 2]! - boxes[4 * i]!) * f32(boxes[4 * i + 3]! - boxes[4 * i + 1]!);
  return out;
}

/** One pair's overlap over `denom` (area_a + area_b - inter for IoU, area_a for IoF), float32 at each step. */
function pairOverlap(ax1: number, ay1: number, ax2: number, ay2: number, areaA: number, bx1: number, by1: number, bx2: number, by2: number, areaB: number, iou: boolean, eps: number): number {
  const w = Math.max(f32(Math.min(ax2, bx2) - Math.max(ax1, bx1)), 0);
  const h = Math.max(f32(Math.min(ay2, by2) - Math.max(ay1, by1)), 0);
  const inter = f32(w * h);
  const union = iou ? f32(f32(areaA + areaB) - inter) : areaA;
  return f32(inter / Math.max(union, eps));
}

/**
 * Pairwise overlaps: an n x m row-major matrix, entry [i * m + j] between a[i] and b[j].
 * `iou` = inter / (area_a + area_b - inter); `iof` = inter / area_a (the "foreground" is `a`).
 */
export function boxOverlaps(a: ArrayLike<number>, b: ArrayLike<number>, mode: OverlapMode = 'iou', eps = 1e-6): Float32Array {
  const n = boxCount(a, 'first box set');
  const m = boxCount(b, 'second box set');
  const out = new Float32Array(n * m);
  const areasB = boxAreas(b);
  const bb = b instanceof Float32Array ? b : Float32Array.from(b as ArrayLike<number>);
  const iou = mode === 'iou';
  const e = f32(eps);
  for (let i = 0; i < n; i++) {
    const ax1 = a[4 * i]!, ay1 = a[4 * i + 1]!, ax2 = a[4 * i + 2]!, ay2 = a[4 * i + 3]!;
    const areaA = f32(f32(ax2 - ax1) * f32(ay2 - ay1));
    const row = i * m;
    // pairOverlap inlined: this loop runs anchors x gts (~270k x #gt per 1333x800 image). Most pairs do not
    // intersect; their overlap is 0 / max(union, eps) = 0, already in `out`.
    for (let j = 0, o = 0; j < m; j++, o += 4) {
      const w = f32(Math.min(ax2, bb[o + 2]!) - Math.max(ax1, bb[o]!));
      if (w <= 0) continue;
      const h = f32(Math.min(ay2, bb[o + 3]!) - Math.max(ay1, bb[o + 1]!));
      if (h <= 0) continue;
      const inter = f32(w * h);
      const union = iou ? f32(f32(areaA + areasB[j]!) - inter) : areaA;
      out[row + j] = inter / Math.max(union, e);
    }
  }
  return out;
}

/** Element-wise overlaps of a[i] with b[i] (mmdet's is_aligned=True); both sets must have the same count. */
export function alignedBoxOverlaps(a: ArrayLike<number>, b: ArrayLike<number>, mode: OverlapMode = 'iou', eps = 1e-6): Float32Array {
  const n = boxCount(a, 'first box set');
  if (boxCount(b, 'second box set') !== n) throw new Error(`core/boxes: aligned overlaps need equal counts, got ${n} and ${b.length / 4}`);
  const out = new Float32Array(n);
  const areasA = boxAreas(a);
  const areasB = boxAreas(b);
  const iou = mode === 'iou';
  const e = f32(eps);
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    out[i] = pairOverlap(a[o]!, a[o + 1]!, a[o + 2]!, a[o + 3]!, areasA[i]!, b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, areasB[i]!, iou, e);
  }
  return out;
}
