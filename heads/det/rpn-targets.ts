/**
 * RPN training targets for one image, as mmdet 2.x AnchorHead._get_targets_single with RPN's settings
 * (gt labels None: every positive is class 0 of the single objectness class).
 *
 * Anchors of all levels (concatenated in level order) are restricted to the "inside" ones (valid flags, and
 * within allowedBorder of imgShape when allowedBorder >= 0), assigned with the MaxIoU assigner, sampled with
 * the random sampler; sampled positives get target 1 and regression targets (encoded deltas, weight 1 on all
 * four), sampled negatives target 0; unsampled anchors weigh 0.
 */
import type { DeltaXYWHBBoxCoder } from '../../core/boxes/delta-xywh-coder.js';
import type { MaxIoUAssigner } from '../../core/boxes/max-iou-assigner.js';
import type { RandomSampler } from '../../core/boxes/random-sampler.js';
import { gatherBoxes } from '../../core/boxes/random-sampler.js';

export interface RpnImageTargets {
  /** Per anchor (all levels): objectness target 1 (positive) or 0. */
  labels: Float32Array;
  /** Per anchor: 1 for sampled anchors (pos_weight <= 0), else 0. */
  labelWeights: Float32Array;
  /** Per anchor, 4 deltas (0 for non-positives). */
  bboxTargets: Float32Array;
  /** Per anchor, 4 weights (1 for positives). */
  bboxWeights: Float32Array;
  numPos: number;
  numNeg: number;
}

export interface RpnTargetInputs {
  /** All anchors, levels concatenated: T * 4. */
  anchors: Float32Array;
  /** T flags from AnchorGenerator.validFlags (concatenated). */
  validFlags: Uint8Array;
  gtBoxes: Float32Array;
  gtBoxesIgnore: Float32Array | null;
  /** [h, w] of the image before padding. */
  imgShape: readonly [number, number];
}

export interface RpnTargetSettings {
  assigner: MaxIoUAssigner;
  sampler: RandomSampler;
  coder: DeltaXYWHBBoxCoder;
  /** -1: keep every valid anchor (mmdet's RPN setting); >= 0: drop anchors reaching further outside the image. */
  allowedBorder: number;
  /** <= 0: positives weigh 1 in the classification loss (mmdet's pos_weight -1). */
  posWeight: number;
}

export function rpnImageTargets(inp: RpnTargetInputs, s: RpnTargetSettings): RpnImageTargets {
  const total = inp.validFlags.length;
  const [imgH, imgW] = inp.imgShape;
  const insideIdx: number[] = [];
  for (let i = 0; i < total; i++) {
    if (!inp.validFlags[i]) continue;
    if (s.allowedBorder >= 0) {
      const b = s.allowedBorder;
      const o = 4 * i;
      if (!(inp.anchors[o]! >= -b && inp.anchors[o + 1]! >= -b && inp.anchors[o + 2]! < imgW + b && inp.anchors[o + 3]! < imgH + b)) continue;
    }
    insideIdx.push(i);
  }
  const labels = new Float32Array(total);
  const labelWeights = new Float32Array(total);
  const bboxTargets = new Float32Array(total * 4);
  const bboxWeights = new Float32Array(total * 4);
  if (insideIdx.length === 0) return { labels, labelWeights, bboxTargets, bboxWeights, numPos: 0, numNeg: 0 };

  const anchors = gatherBoxes(inp.anchors, insideIdx);
  const assign = s.assigner.assign(anchors, inp.gtBoxes, inp.gtBoxesIgnore, null);
  const sampling = s.sampler.sample(assign, anchors, inp.gtBoxes, null);
  const posTargets = s.coder.encode(sampling.posBboxes, sampling.posGtBboxes);
  const posW = s.posWeight <= 0 ? 1 : s.posWeight;
  sampling.posInds.forEach((k, i) => {
    const a = insideIdx[k]!;
    labels[a] = 1;
    labelWeights[a] = posW;
    for (let c = 0; c < 4; c++) {
      bboxTargets[4 * a + c] = posTargets[4 * i + c]!;
      bboxWeights[4 * a + c] = 1;
    }
  });
  for (const k of sampling.negInds) labelWeights[insideIdx[k]!] = 1;
  return { labels, labelWeights, bboxTargets, bboxWeights, numPos: sampling.posInds.length, numNeg: sampling.negInds.length };
}
