/**
 * Non-maximum suppression as mmcv 1.x `nms` (its CPU kernel, nms.cpp) and `batched_nms`, on host arrays.
 *
 * nms: boxes with score <= scoreThreshold dropped first (when it is > 0), the rest visited in the order of torch's
 * `scores.sort(descending=True)` (torch-sort.ts: ties in input order up to 16 boxes, introsort order beyond); a
 * box is kept unless an already kept box overlaps it with IoU > iouThreshold (strictly greater). As the kernel,
 * areas, intersection and IoU are float32 (offset 0, no "+1") and the threshold is a C++ float. Returns kept
 * indices in visiting order.
 *
 * batchedNms: NMS within each group id (class, or FPN level for RPN proposals), none across groups. As mmcv,
 * every box is shifted by id * (max coordinate + 1) in float32 so groups cannot overlap; below `splitThr` boxes
 * one NMS runs over all of them, at or above it one NMS per group, merged by torch's sort of the kept scores.
 */
import { boxCount } from './box-overlaps.js';
import { argsortDescending } from './torch-sort.js';

/** The ranking NMS uses (torch's sort order); long exported from here, so it still is. */
export { argsortDescending };

const f32 = Math.fround;

export interface NmsOptions {
  /** Drop boxes scoring <= this first (mmcv score_threshold, default 0 = none). */
  scoreThreshold?: number;
  /** Keep at most this many (default -1 = all). */
  maxNum?: number;
}

/** Kept indices into `boxes` (n * 4) / `scores` (n), in visiting (descending score) order. */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number, opts: NmsOptions = {}): Int32Array {
  const n = boxCount(boxes);
  if (scores.length !== n) throw new Error(`nms: ${n} boxes but ${scores.length} scores`);
  const scoreThr = opts.scoreThreshold ?? 0;
  // mmcv filters by score first and sorts what is left (the sort is not stable, so the order matters).
  let candidates: Int32Array | null = null;
  let ranked: ArrayLike<number> = scores;
  if (scoreThr > 0) {
    const thr = f32(scoreThr);
    const valid: number[] = [];
    for (let i = 0; i < n; i++) if (scores[i]! > thr) valid.push(i);
    candidates = Int32Array.from(valid);
    ranked = Float64Array.from(valid, (i) => scores[i]!);
  }
  const sorted = argsortDescending(ranked);
  const order = candidates ? sorted.map((k) => candidates![k]!) : sorted;
  const m = order.length;
  const x1 = new Float32Array(m), y1 = new Float32Array(m), x2 = new Float32Array(m), y2 = new Float32Array(m), area = new Float32Array(m);
  for (let k = 0; k < m; k++) {
    const o = 4 * order[k]!;
    x1[k] = boxes[o]!;
    y1[k] = boxes[o + 1]!;
    x2[k] = boxes[o + 2]!;
    y2[k] = boxes[o + 3]!;
    area[k] = f32(x2[k]! - x1[k]!) * f32(y2[k]! - y1[k]!);
  }
  const thr = f32(iouThreshold);
  const suppressed = new Uint8Array(m);
  const keep: number[] = [];
  const maxNum = opts.maxNum ?? -1;
  for (let a = 0; a < m; a++) {
    if (suppressed[a]) continue;
    keep.push(order[a]!);
    if (maxNum > 0 && keep.length >= maxNum) break;
    for (let b = a + 1; b < m; b++) {
      if (suppressed[b]) continue;
      const w = Math.max(0, f32(Math.min(x2[a]!, x2[b]!) - Math.max(x1[a]!, x1[b]!)));
      const h = Math.max(0, f32(Math.min(y2[a]!, y2[b]!) - Math.max(y1[a]!, y1[b]!)));
      const inter = f32(w * h);
      const iou = f32(inter / f32(f32(area[a]! + area[b]!) - inter));
      if (iou > thr) suppressed[b] = 1;
    }
  }
  return Int32Array.from(keep);
}

export interface BatchedNmsOptions {
  iouThreshold: number;
  /** Ignore the group ids (plain NMS over all boxes). */
  classAgnostic?: boolean;
  /** mmcv default 10000: at or above, NMS runs per group instead of with the offset trick. */
  splitThr?: number;
  /** Keep at most this many (default -1 = all). */
  maxNum?: number;
}

export interface BatchedNmsResult {
  /** Indices into the input, in descending score order. */
  keep: Int32Array;
  /** The kept boxes (k * 4), original coordinates. */
  boxes: Float32Array;
  scores: Float32Array;
}

/** Group-aware NMS (mmcv batched_nms): `idxs[i]` is box i's group (class or level id). */
export function batchedNms(boxes: ArrayLike<number>, scores: ArrayLike<number>, idxs: ArrayLike<number>, opts: BatchedNmsOptions): BatchedNmsResult {
  const n = boxCount(boxes);
  if (scores.length !== n || idxs.length !== n) throw new Error(`batchedNms: ${n} boxes, ${scores.length} scores, ${idxs.length} group ids`);
  const maxNum = opts.maxNum ?? -1;
  let keep: Int32Array;
  if (n === 0) {
    keep = new Int32Array(0);
  } else if (opts.classAgnostic) {
    keep = nms(boxes, scores, opts.iouThreshold, { maxNum });
  } else {
    const shifted = groupShiftedBoxes(boxes, idxs);
    if (n < (opts.splitThr ?? 10000)) {
      keep = nms(shifted, scores, opts.iouThreshold, { maxNum });
    } else {
      keep = nmsPerGroup(shifted, scores, idxs, opts.iouThreshold);
      if (maxNum > 0) keep = keep.slice(0, maxNum);
    }
  }
  const outBoxes = new Float32Array(keep.length * 4);
  const outScores = new Float32Array(keep.length);
  keep.forEach((k, i) => {
    for (let c = 0; c < 4; c++) outBoxes[4 * i + c] = boxes[4 * k + c]!;
    outScores[i] = scores[k]!;
  });
  return { keep, boxes: outBoxes, scores: outScores };
}

/** mmcv's `boxes + idxs * (boxes.max() + 1)`, in float32 like the torch tensors. */
function groupShiftedBoxes(boxes: ArrayLike<number>, idxs: ArrayLike<number>): Float32Array {
  const n = idxs.length;
  let maxCoord = -Infinity;
  for (let i = 0; i < boxes.length; i++) if (boxes[i]! > maxCoord) maxCoord = boxes[i]!;
  const step = f32(maxCoord + 1);
  const shifted = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const off = f32(idxs[i]! * step);
    for (let c = 0; c < 4; c++) shifted[4 * i + c] = boxes[4 * i + c]! + off;
  }
  return shifted;
}

/**
 * mmcv batched_nms at or above split_thr: NMS per group id (ascending ids, as torch.unique), the kept boxes
 * taken in index order (`total_mask.nonzero()`) and ranked by torch's sort of their scores.
 */
function nmsPerGroup(shifted: Float32Array, scores: ArrayLike<number>, idxs: ArrayLike<number>, iouThreshold: number): Int32Array {
  const n = idxs.length;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = idxs[i]!;
    let list = groups.get(g);
    if (!list) groups.set(g, (list = []));
    list.push(i);
  }
  const kept = new Uint8Array(n);
  for (const members of groups.values()) {
    const sub = new Float32Array(members.length * 4);
    const subScores = new Float32Array(members.length);
    members.forEach((idx, k) => {
      sub.set(shifted.subarray(4 * idx, 4 * idx + 4), 4 * k);
      subScores[k] = scores[idx]!;
    });
    for (const k of nms(sub, subScores, iouThreshold)) kept[members[k]!] = 1;
  }
  const keptInds: number[] = [];
  for (let i = 0; i < n; i++) if (kept[i]) keptInds.push(i);
  const order = argsortDescending(keptInds.map((i) => scores[i]!));
  return order.map((k) => keptInds[k]!);
}
