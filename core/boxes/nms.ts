/**
 * Non-maximum suppression as mmcv `nms` / torchvision `nms` and mmcv `batched_nms`, on host arrays.
 *
 * nms: boxes visited by score, highest first (a stable sort: equal scores keep input order); a box is kept
 * unless an already kept box overlaps it with IoU > iouThreshold (strictly greater); IoU has no "+1"
 * (mmcv offset 0). Returns kept indices in visiting order (descending score).
 *
 * batchedNms: NMS within each group id (class, or FPN level for RPN proposals), none across groups. As mmcv,
 * below `splitThr` boxes it shifts each group by id * (max coordinate + 1) so groups cannot overlap and runs one
 * NMS; at or above it, it runs one NMS per group and merges by descending score.
 */
import { boxCount } from './box-overlaps.js';

export interface NmsOptions {
  /** Drop boxes scoring <= this first (mmcv score_threshold, default 0 = none). */
  scoreThreshold?: number;
  /** Keep at most this many (default -1 = all). */
  maxNum?: number;
}

/** Indices 0..n-1 ordered by descending score, ties in input order. */
export function argsortDescending(scores: ArrayLike<number>): Int32Array {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Int32Array.from(order);
}

/** Kept indices into `boxes` (n * 4) / `scores` (n), in descending score order. */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number, opts: NmsOptions = {}): Int32Array {
  const n = boxCount(boxes);
  if (scores.length !== n) throw new Error(`nms: ${n} boxes but ${scores.length} scores`);
  const scoreThr = opts.scoreThreshold ?? 0;
  let order = argsortDescending(scores);
  if (scoreThr > 0) order = order.filter((i) => scores[i]! > scoreThr);
  const m = order.length;
  const x1 = new Float64Array(m), y1 = new Float64Array(m), x2 = new Float64Array(m), y2 = new Float64Array(m), area = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const o = 4 * order[k]!;
    x1[k] = boxes[o]!;
    y1[k] = boxes[o + 1]!;
    x2[k] = boxes[o + 2]!;
    y2[k] = boxes[o + 3]!;
    area[k] = (x2[k]! - x1[k]!) * (y2[k]! - y1[k]!);
  }
  const suppressed = new Uint8Array(m);
  const keep: number[] = [];
  const maxNum = opts.maxNum ?? -1;
  for (let a = 0; a < m; a++) {
    if (suppressed[a]) continue;
    keep.push(order[a]!);
    if (maxNum > 0 && keep.length >= maxNum) break;
    for (let b = a + 1; b < m; b++) {
      if (suppressed[b]) continue;
      const w = Math.max(0, Math.min(x2[a]!, x2[b]!) - Math.max(x1[a]!, x1[b]!));
      const h = Math.max(0, Math.min(y2[a]!, y2[b]!) - Math.max(y1[a]!, y1[b]!));
      const inter = w * h;
      const iou = inter / (area[a]! + area[b]! - inter);
      if (iou > iouThreshold) suppressed[b] = 1;
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
  } else if (n < (opts.splitThr ?? 10000)) {
    let maxCoord = -Infinity;
    for (let i = 0; i < boxes.length; i++) if (boxes[i]! > maxCoord) maxCoord = boxes[i]!;
    // float32 like the torch tensors, so the shifted coordinates round as mmcv's do.
    const shifted = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const off = Math.fround(idxs[i]! * Math.fround(maxCoord + 1));
      for (let c = 0; c < 4; c++) shifted[4 * i + c] = boxes[4 * i + c]! + off;
    }
    keep = nms(shifted, scores, opts.iouThreshold, { maxNum });
  } else {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const g = idxs[i]!;
      let list = groups.get(g);
      if (!list) groups.set(g, (list = []));
      list.push(i);
    }
    const kept: number[] = [];
    for (const members of groups.values()) {
      const sub = new Float32Array(members.length * 4);
      const subScores = new Float32Array(members.length);
      members.forEach((idx, k) => {
        for (let c = 0; c < 4; c++) sub[4 * k + c] = boxes[4 * idx + c]!;
        subScores[k] = scores[idx]!;
      });
      for (const k of nms(sub, subScores, opts.iouThreshold)) kept.push(members[k]!);
    }
    kept.sort((a, b) => scores[b]! - scores[a]! || a - b);
    keep = Int32Array.from(maxNum > 0 ? kept.slice(0, maxNum) : kept);
  }
  const outBoxes = new Float32Array(keep.length * 4);
  const outScores = new Float32Array(keep.length);
  keep.forEach((k, i) => {
    for (let c = 0; c < 4; c++) outBoxes[4 * i + c] = boxes[4 * k + c]!;
    outScores[i] = scores[k]!;
  });
  return { keep, boxes: outBoxes, scores: outScores };
}
