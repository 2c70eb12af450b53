import type { DeltaXYWHBBoxCoder, SamplingResult } from '../../../core/boxes/index.js';

/** Targets of the sampled RoIs of a batch, concatenated image after image (positives first in each). */
export interface BBoxTargets {
  /** [R] class per RoI, numClasses = background (mmdet 2.x). */
  labels: Int32Array;
  /** [R] all 1 (mmdet's pos_weight <= 0 means 1.0). */
  labelWeights: Float32Array;
  /** [R * 4] encoded deltas for positives, 0 for negatives. */
  bboxTargets: Float32Array;
  /** [R * 4] 1 for positives, 0 for negatives. */
  bboxWeights: Float32Array;
}

/** mmdet's BBoxHead.get_targets (concat=True) over per-image sampling results. */
export function bboxTargets(results: readonly SamplingResult[], coder: DeltaXYWHBBoxCoder, numClasses: number): BBoxTargets {
  const total = results.reduce((s, r) => s + r.posInds.length + r.negInds.length, 0);
  const labels = new Int32Array(total).fill(numClasses);
  const labelWeights = new Float32Array(total).fill(1);
  const targets = new Float32Array(total * 4);
  const weights = new Float32Array(total * 4);
  let offset = 0;
  for (const res of results) {
    const p = res.posInds.length;
    if (p > 0) {
      if (!res.posGtLabels) throw new Error('heads/det/roi/bbox-targets: sampling result has no gt labels');
      const enc = coder.encode(res.posBboxes, res.posGtBboxes);
      for (let i = 0; i < p; i++) labels[offset + i] = res.posGtLabels[i]!;
      targets.set(enc, offset * 4);
      weights.fill(1, offset * 4, (offset + p) * 4);
    }
    offset += p + res.negInds.length;
  }
  return { labels, labelWeights, bboxTargets: targets, bboxWeights: weights };
}
