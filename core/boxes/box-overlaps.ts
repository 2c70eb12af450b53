/**
 * Box overlaps as mmdet 2.x `bbox_overlaps` (iou2d_calculator.py): boxes are x1y1x2y2 with no "+1"
 * (area = (x2 - x1) * (y2 - y1)), negative widths clamp to no overlap, and the denominator is
 * max(union, eps) so degenerate boxes give 0 instead of NaN.
 *
 * Boxes everywhere in `core/boxes` are flat `Float32Array`s of n * 4 values (x1, y1, x2, y2 per box):
 * assignment, sampling and NMS are small and branchy, so they run on the host, not as tensors.
 */

export type OverlapMode = 'iou' | 'iof';

/** Number of boxes in a flat n * 4 array (throws if the length is not a multiple of 4). */
export function boxCount(boxes: ArrayLike<number>, what = 'boxes'): number {
  if (boxes.length % 4 !== 0) throw new Error(`core/boxes: ${what} has ${boxes.length} values, not a multiple of 4`);
  return boxes.length / 4;
}

/** (x2 - x1) * (y2 - y1) per box. */
export function boxAreas(boxes: ArrayLike<number>): Float32Array {
  const n = boxCount(boxes);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (boxes[4 * i + 2]! - boxes[4 * i]!) * (boxes[4 * i + 3]! - boxes[4 * i + 1]!);
  return out;
}

/**
 * Pairwise overlaps: an n x m row-major matrix, entry [i * m + j] between a[i] and b[j].
 * `iou` = inter / (area_a + area_b - inter); `iof` = inter / area_a (the "foreground" is `a`).
 */
export function boxOverlaps(a: ArrayLike<number>, b: ArrayLike<number>, mode: OverlapMode = 'iou', eps = 1e-6): Float32Array {
  const n = boxCount(a, 'first box set');
  const m = boxCount(b, 'second box set');
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const ax1 = a[4 * i]!, ay1 = a[4 * i + 1]!, ax2 = a[4 * i + 2]!, ay2 = a[4 * i + 3]!;
    const areaA = (ax2 - ax1) * (ay2 - ay1);
    for (let j = 0; j < m; j++) {
      const bx1 = b[4 * j]!, by1 = b[4 * j + 1]!, bx2 = b[4 * j + 2]!, by2 = b[4 * j + 3]!;
      const w = Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0);
      const h = Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
      const inter = w * h;
      const denom = mode === 'iou' ? areaA + (bx2 - bx1) * (by2 - by1) - inter : areaA;
      out[i * m + j] = inter / Math.max(denom, eps);
    }
  }
  return out;
}

/** Element-wise overlaps of a[i] with b[i] (mmdet's is_aligned=True); both sets must have the same count. */
export function alignedBoxOverlaps(a: ArrayLike<number>, b: ArrayLike<number>, mode: OverlapMode = 'iou', eps = 1e-6): Float32Array {
  const n = boxCount(a, 'first box set');
  if (boxCount(b, 'second box set') !== n) throw new Error(`core/boxes: aligned overlaps need equal counts, got ${n} and ${b.length / 4}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const ax1 = a[4 * i]!, ay1 = a[4 * i + 1]!, ax2 = a[4 * i + 2]!, ay2 = a[4 * i + 3]!;
    const bx1 = b[4 * i]!, by1 = b[4 * i + 1]!, bx2 = b[4 * i + 2]!, by2 = b[4 * i + 3]!;
    const w = Math.max(Math.min(ax2, bx2) - Math.max(ax1, bx1), 0);
    const h = Math.max(Math.min(ay2, by2) - Math.max(ay1, by1), 0);
    const inter = w * h;
    const areaA = (ax2 - ax1) * (ay2 - ay1);
    const denom = mode === 'iou' ? areaA + (bx2 - bx1) * (by2 - by1) - inter : areaA;
    out[i] = inter / Math.max(denom, eps);
  }
  return out;
}
