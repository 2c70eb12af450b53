/**
 * RPN proposals for one image, as mmdet 2.x RPNHead._get_bboxes_single + _bbox_post_process:
 * per level keep the nmsPre highest objectness scores (sigmoid), decode their anchors' deltas (clipped to
 * imgShape), drop boxes with width or height <= minBboxSize, then NMS across levels with the level as the
 * group id (boxes of different levels never suppress each other) and keep the maxPerImg best.
 * Scores are float32 sigmoids in torch's operation order (1 / (1 + exp(-x))), ranked with torch's sort (ties
 * included, torch-sort.ts); the size filter compares float32 widths with the float32 threshold.
 */
import { DeltaXYWHBBoxCoder } from '../../core/boxes/delta-xywh-coder.js';
import { batchedNms } from '../../core/boxes/nms.js';
import { argsortDescending } from '../../core/boxes/torch-sort.js';

const f32 = Math.fround;

export interface ProposalSettings {
  /** Top-k per level before NMS (mmdet nms_pre: 2000 train / 1000 test); <= 0 keeps all. */
  nmsPre: number;
  /** Proposals kept per image (mmdet max_per_img 1000). */
  maxPerImg: number;
  /** NMS IoU threshold (0.7). */
  nmsIouThr: number;
  /** Boxes need width and height > this (mmdet min_bbox_size 0, so degenerate boxes go); < 0 keeps all. */
  minBboxSize: number;
}

export interface Proposals {
  /** k * 4, x1y1x2y2 in imgShape coordinates, by descending score. */
  boxes: Float32Array;
  scores: Float32Array;
}

export interface LevelOutputs {
  /** H * W * A objectness logits (NHWC order). */
  logits: ArrayLike<number>;
  /** H * W * A * 4 deltas. */
  deltas: ArrayLike<number>;
  /** H * W * A * 4 anchors. */
  anchors: Float32Array;
}

export function rpnImageProposals(levels: readonly LevelOutputs[], imgShape: readonly [number, number], coder: DeltaXYWHBBoxCoder, s: ProposalSettings): Proposals {
  const scores: number[] = [];
  const anchors: number[] = [];
  const deltas: number[] = [];
  const levelIds: number[] = [];
  levels.forEach((lv, level) => {
    const n = lv.logits.length;
    const sig = new Float32Array(n);
    for (let i = 0; i < n; i++) sig[i] = 1 / f32(1 + f32(Math.exp(-lv.logits[i]!)));
    let order: ArrayLike<number>;
    if (s.nmsPre > 0 && s.nmsPre < n) order = argsortDescending(sig).subarray(0, s.nmsPre);
    else order = Int32Array.from({ length: n }, (_, i) => i);
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      scores.push(sig[i]!);
      levelIds.push(level);
      for (let c = 0; c < 4; c++) {
        anchors.push(lv.anchors[4 * i + c]!);
        deltas.push(lv.deltas[4 * i + c]!);
      }
    }
  });
  let boxes = coder.decode(anchors, deltas, imgShape);
  let keptScores = Float32Array.from(scores);
  let ids = Int32Array.from(levelIds);
  if (s.minBboxSize >= 0) {
    const minSize = f32(s.minBboxSize);
    const keep: number[] = [];
    for (let i = 0; i < keptScores.length; i++) {
      if (f32(boxes[4 * i + 2]! - boxes[4 * i]!) > minSize && f32(boxes[4 * i + 3]! - boxes[4 * i + 1]!) > minSize) keep.push(i);
    }
    if (keep.length !== keptScores.length) {
      const b = new Float32Array(keep.length * 4);
      keep.forEach((i, k) => b.set(boxes.subarray(4 * i, 4 * i + 4), 4 * k));
      boxes = b;
      keptScores = Float32Array.from(keep, (i) => keptScores[i]!);
      ids = Int32Array.from(keep, (i) => ids[i]!);
    }
  }
  if (keptScores.length === 0) return { boxes: new Float32Array(0), scores: new Float32Array(0) };
  const r = batchedNms(boxes, keptScores, ids, { iouThreshold: s.nmsIouThr });
  const k = Math.min(r.scores.length, s.maxPerImg);
  return { boxes: r.boxes.slice(0, 4 * k), scores: r.scores.slice(0, k) };
}
