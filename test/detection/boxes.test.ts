import { describe, expect, it } from 'vitest';
import { boxOverlaps, alignedBoxOverlaps } from '../../core/boxes/box-overlaps.js';
import { DeltaXYWHBBoxCoder } from '../../core/boxes/delta-xywh-coder.js';
import { MaxIoUAssigner } from '../../core/boxes/max-iou-assigner.js';
import { RandomSampler } from '../../core/boxes/random-sampler.js';
import { batchedNms, nms } from '../../core/boxes/nms.js';
import { mapBoxesBack, mapBoxesForward } from '../../core/boxes/box-mapping.js';
import { Rng } from '../../core/rng.js';
import type { ImageMeta } from '../../core/types/data.js';

const close = (a: ArrayLike<number>, b: number[], digits = 5) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, digits));
};

describe('boxOverlaps (hand-computed)', () => {
  const a = [0, 0, 10, 10, 0, 0, 0, 0];
  const b = [5, 5, 15, 15, 20, 20, 30, 30];
  it('iou: 25 / 175, disjoint 0, degenerate 0 (eps)', () => {
    close(boxOverlaps(a, b), [25 / 175, 0, 0, 0]);
  });
  it('iof divides by the first box area', () => {
    close(boxOverlaps(a.slice(0, 4), b, 'iof'), [0.25, 0]);
  });
  it('aligned pairs', () => {
    close(alignedBoxOverlaps([0, 0, 10, 10, 0, 0, 4, 4], [0, 0, 10, 20, 2, 2, 6, 6]), [0.5, 4 / 28]);
  });
});

describe('DeltaXYWHBBoxCoder', () => {
  it('encodes hand-computed deltas with means/stds', () => {
    const c1 = new DeltaXYWHBBoxCoder();
    close(c1.encode([0, 0, 10, 10], [2, 4, 22, 14]), [0.7, 0.4, Math.log(2), 0]);
    const c2 = new DeltaXYWHBBoxCoder({ stds: [0.1, 0.1, 0.2, 0.2] });
    close(c2.encode([0, 0, 10, 10], [2, 4, 22, 14]), [7, 4, Math.log(2) / 0.2, 0], 4);
  });
  it('round-trips encode -> decode', () => {
    const coder = new DeltaXYWHBBoxCoder({ means: [0.1, -0.2, 0.05, 0], stds: [0.1, 0.1, 0.2, 0.2] });
    const props = [0, 0, 10, 10, 3.5, 7, 40, 21, 100, 50, 180, 200];
    const gts = [2, 4, 22, 14, 1, 5, 30, 33, 120, 40, 170, 230];
    close(coder.decode(props, coder.encode(props, gts)), gts, 3);
  });
  it('clamps dw/dh to |log(16/1000)| and clips to max_shape', () => {
    const coder = new DeltaXYWHBBoxCoder();
    // w = 10 * exp(log(1000 / 16)) = 625 around centre x 5
    close(coder.decode([0, 0, 10, 10], [0, 0, 10, 0]), [-307.5, 0, 317.5, 10], 3);
    close(coder.decode([0, 0, 10, 10], [0, 0, -10, 0]), [5 - 0.08, 0, 5 + 0.08, 10], 4);
    close(coder.decode([0, 0, 10, 10], [0, 0, 10, 0], [20, 30]), [0, 0, 30, 10]);
  });
  it('decodes class-specific deltas (n x 4k) per class', () => {
    const coder = new DeltaXYWHBBoxCoder();
    close(coder.decode([0, 0, 10, 10], [0, 0, 0, 0, 0.5, 0, 0, 0]), [0, 0, 10, 10, 5, 0, 15, 10]);
  });
});

describe('MaxIoUAssigner (hand-computed small case)', () => {
  const gts = [0, 0, 10, 10, 20, 20, 30, 30];
  const boxes = [
    0, 0, 10, 10, // IoU 1 with gt0 -> positive 1
    0, 0, 10, 20, // 0.5 with gt0 -> between thresholds: ignore
    50, 50, 60, 60, // 0 -> negative
    20, 20, 30, 36, // 0.625 with gt1: below 0.7 but gt1's best -> low-quality match 2
    24, 20, 34, 30, // 60/140 with gt1 -> ignore
    0, 0, 5, 5, // 0.25 with gt0 -> negative
  ];
  const rpnLike = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true });
  it('assigns positives, negatives, ignores and low-quality matches', () => {
    const r = rpnLike.assign(boxes, gts, null, [3, 7]);
    expect(Array.from(r.gtInds)).toEqual([1, -1, 0, 2, -1, 0]);
    close(r.maxOverlaps, [1, 0.5, 0, 0.625, 60 / 140, 0.25]);
    expect(Array.from(r.labels!)).toEqual([3, -1, -1, 7, -1, -1]);
  });
  it('without low-quality matching the 0.625 box stays ignored', () => {
    const r = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, matchLowQuality: false }).assign(boxes, gts);
    expect(Array.from(r.gtInds)).toEqual([1, -1, 0, -1, -1, 0]);
    expect(r.labels).toBeNull();
  });
  it('gt_max_assign_all gives every tying box to the gt', () => {
    const tie = [0, 0, 10, 20, 0, -10, 10, 10];
    const all = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3 }).assign(tie, [0, 0, 10, 10]);
    expect(Array.from(all.gtInds)).toEqual([1, 1]);
    const first = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, gtMaxAssignAll: false }).assign(tie, [0, 0, 10, 10]);
    expect(Array.from(first.gtInds)).toEqual([1, -1]);
  });
  it('ignore regions (ignore_iof_thr) turn covered candidates to -1', () => {
    const r = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, ignoreIofThr: 0.5 }).assign(boxes, gts, [45, 45, 70, 70]);
    expect(Array.from(r.gtInds)).toEqual([1, -1, -1, 2, -1, 0]);
    expect(r.maxOverlaps[2]).toBe(-1);
  });
  it('no gts: all negative; tuple neg range', () => {
    expect(Array.from(rpnLike.assign(boxes, []).gtInds)).toEqual([0, 0, 0, 0, 0, 0]);
    const r = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: [0.1, 0.3], matchLowQuality: false }).assign(boxes, gts);
    expect(Array.from(r.gtInds)).toEqual([1, -1, -1, -1, -1, 0]);
  });
});

describe('RandomSampler', () => {
  const gtInds = Int32Array.from([1, 0, 2, 0, -1, 1, 0, 0, 0, 0, 0, 0]);
  const assign = { numGts: 2, gtInds, maxOverlaps: new Float32Array(12), labels: Int32Array.from([4, -1, 5, -1, -1, 4, -1, -1, -1, -1, -1, -1]) };
  const boxes = Float32Array.from({ length: 48 }, (_, i) => i);
  const gts = [100, 100, 110, 110, 200, 200, 210, 210];
  it('draws floor(num * pos_fraction) positives and fills with negatives, sorted, seeded', () => {
    const s = new RandomSampler({ num: 4, posFraction: 0.5, addGtAsProposals: false }, new Rng(1)).sample(assign, boxes, gts);
    expect(s.posInds.length).toBe(2);
    expect(s.negInds.length).toBe(2);
    for (const i of s.posInds) expect(gtInds[i]).toBeGreaterThan(0);
    for (const i of s.negInds) expect(gtInds[i]).toBe(0);
    expect(Array.from(s.posInds)).toEqual(Array.from(s.posInds).sort((a, b) => a - b));
    const again = new RandomSampler({ num: 4, posFraction: 0.5, addGtAsProposals: false }, new Rng(1)).sample(assign, boxes, gts);
    expect(Array.from(again.posInds)).toEqual(Array.from(s.posInds));
    expect(Array.from(again.negInds)).toEqual(Array.from(s.negInds));
    expect(Array.from(s.posAssignedGtInds)).toEqual(Array.from(s.posInds, (i) => gtInds[i]! - 1));
    close(s.posGtBboxes.slice(0, 4), gts.slice(4 * s.posAssignedGtInds[0]!, 4 * s.posAssignedGtInds[0]! + 4));
  });
  it('takes every positive when there are few, and the remaining budget in negatives', () => {
    const s = new RandomSampler({ num: 8, posFraction: 0.5, addGtAsProposals: false }).sample(assign, boxes, gts);
    expect(Array.from(s.posInds)).toEqual([0, 2, 5]);
    expect(s.negInds.length).toBe(5);
    expect(Array.from(s.posGtLabels!)).toEqual([4, 5, 4]);
  });
  it('adds gts as proposals (prepended, flagged) and honours neg_pos_ub', () => {
    const s = new RandomSampler({ num: 16, posFraction: 0.25, negPosUb: 1, addGtAsProposals: true }).sample(assign, boxes, gts, [4, 5]);
    expect(s.bboxes.length).toBe(14 * 4);
    expect(s.posInds.length).toBe(4); // 2 gts + 3 positives, capped at floor(16 * 0.25)
    expect(s.negInds.length).toBe(4); // neg_pos_ub 1 * 4 positives
    for (let k = 0; k < s.posInds.length; k++) expect(s.posIsGt[k]).toBe(s.posInds[k]! < 2 ? 1 : 0);
    const none = new RandomSampler({ num: 16, posFraction: 0.25, negPosUb: 1, addGtAsProposals: false }).sample(
      { ...assign, gtInds: Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }, boxes, gts);
    expect(none.posInds.length).toBe(0);
    expect(none.negInds.length).toBe(1); // max(1, #pos) * 1
  });
});

describe('nms / batchedNms (torchvision semantics)', () => {
  const boxes = [0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30, 0, 0, 10, 5];
  const scores = [0.9, 0.8, 0.7, 0.85];
  it('suppresses IoU strictly above the threshold, in score order', () => {
    // IoU(A, B) = 81 / 119 = 0.68; IoU(A, D) = 0.5
    expect(Array.from(nms(boxes, scores, 0.6))).toEqual([0, 3, 2]);
    expect(Array.from(nms(boxes, scores, 0.5))).toEqual([0, 3, 2]);
    expect(Array.from(nms(boxes, scores, 0.4))).toEqual([0, 2]);
    expect(Array.from(nms(boxes, scores, 0.7))).toEqual([0, 3, 1, 2]);
    expect(Array.from(nms(boxes, scores, 0.4, { maxNum: 1 }))).toEqual([0]);
  });
  it('equal scores keep input order (stable)', () => {
    expect(Array.from(nms([0, 0, 1, 1, 5, 5, 6, 6, 0, 0, 1, 1], [0.5, 0.5, 0.5], 0.5))).toEqual([0, 1]);
  });
  it('batched: no suppression across groups; offset and split paths agree', () => {
    const idxs = [0, 1, 0, 1];
    const r = batchedNms(boxes, scores, idxs, { iouThreshold: 0.4 });
    expect(Array.from(r.keep)).toEqual([0, 3, 1, 2]);
    close(r.scores, [0.9, 0.85, 0.8, 0.7]);
    close(r.boxes.slice(4, 8), [0, 0, 10, 5]);
    const split = batchedNms(boxes, scores, idxs, { iouThreshold: 0.4, splitThr: 1 });
    expect(Array.from(split.keep)).toEqual([0, 3, 1, 2]);
    const same = batchedNms(boxes, scores, [2, 2, 2, 2], { iouThreshold: 0.4 });
    expect(Array.from(same.keep)).toEqual([0, 2]);
  });
});

describe('box mapping back to the original image', () => {
  const meta: ImageMeta = {
    filename: 'x', imageId: 1, oriShape: [50, 100], imgShape: [100, 200], padShape: [128, 224],
    scaleFactor: [2, 2, 2, 2], flip: true, flipDirection: 'horizontal',
  };
  it('undoes the flip then the scale', () => {
    close(mapBoxesBack([10, 20, 50, 60], meta), [75, 10, 95, 30]);
    close(mapBoxesForward(mapBoxesBack([10, 20, 50, 60], meta), meta), [10, 20, 50, 60]);
  });
});
