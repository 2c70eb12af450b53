import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../core/backend.js';
import { DeltaXYWHBBoxCoder, type SamplingResult } from '../../../core/boxes/index.js';
import { bboxHeadLoss } from '../../../heads/det/roi/bbox-loss.js';
import { bboxTargets } from '../../../heads/det/roi/bbox-targets.js';
import { FCNMaskHead } from '../../../heads/det/roi/fcn-mask-head.js';
import { Shared2FCBBoxHead } from '../../../heads/det/roi/shared2fc-bbox-head.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('heads for 80 classes', () => {
  it('have mmdet parameter names and counts (box 14,306,705, mask 2,643,280)', () => {
    const box = new Shared2FCBBoxHead({ numClasses: 80 });
    expect(box.numParameters()).toBe(14_306_705);
    // namedParameters (tfjs layout, [in, out] for Linear) avoids converting 14 M values to PyTorch layout.
    const params = new Map(box.namedParameters().map(([k, v]) => [k, v.shape]));
    expect([...params.keys()]).toEqual([
      'shared_fcs.0.weight',
      'shared_fcs.0.bias',
      'shared_fcs.1.weight',
      'shared_fcs.1.bias',
      'fc_cls.weight',
      'fc_cls.bias',
      'fc_reg.weight',
      'fc_reg.bias',
    ]);
    expect(params.get('shared_fcs.0.weight')).toEqual([12544, 1024]);
    expect(params.get('fc_cls.weight')).toEqual([1024, 81]);
    expect(params.get('fc_reg.weight')).toEqual([1024, 320]);
    box.dispose();

    const mask = new FCNMaskHead({ numClasses: 80 });
    expect(mask.numParameters()).toBe(2_643_280);
    const msd = mask.stateDict();
    expect([...msd.keys()]).toEqual([
      ...[0, 1, 2, 3].flatMap((i) => [`convs.${i}.conv.weight`, `convs.${i}.conv.bias`]),
      'upsample.weight',
      'upsample.bias',
      'conv_logits.weight',
      'conv_logits.bias',
    ]);
    expect(msd.get('upsample.weight')!.shape).toEqual([256, 256, 2, 2]);
    expect(msd.get('conv_logits.weight')!.shape).toEqual([80, 256, 1, 1]);
    mask.dispose();
  });

  it('the box head flattens RoI features in PyTorch (C, H, W) order', () => {
    // One channel-major position: a weight row for input c*49 + y*7 + x must meet feature [y, x, c].
    const head = new Shared2FCBBoxHead({ numClasses: 1, inChannels: 2, fcOutChannels: 1 });
    const w0 = new Float32Array(98);
    w0[1 * 49 + 3 * 7 + 5] = 1; // c=1, y=3, x=5
    const sd = head.stateDict();
    sd.set('shared_fcs.0.weight', { dtype: 'float32', shape: [1, 98], data: w0 });
    sd.set('shared_fcs.0.bias', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    sd.set('shared_fcs.1.weight', { dtype: 'float32', shape: [1, 1], data: Float32Array.from([1]) });
    sd.set('fc_cls.weight', { dtype: 'float32', shape: [2, 1], data: Float32Array.from([1, 0]) });
    sd.set('fc_cls.bias', { dtype: 'float32', shape: [2], data: new Float32Array(2) });
    head.loadStateDict(sd, { strict: true });
    const feat = new Float32Array(98);
    feat[(3 * 7 + 5) * 2 + 1] = 7;
    const x = tf.tensor4d(feat, [1, 7, 7, 2]);
    const { clsScore, bboxPred } = head.forward(x);
    expect(clsScore.dataSync()[0]).toBeCloseTo(7, 5);
    tf.dispose([x, clsScore, bboxPred]);
    head.dispose();
  });
});

function samplingResult(pos: number[], posGt: number[], labels: number[], neg: number[]): SamplingResult {
  const p = labels.length;
  return {
    posInds: Int32Array.from({ length: p }, (_, i) => i),
    negInds: Int32Array.from({ length: neg.length / 4 }, (_, i) => p + i),
    bboxes: Float32Array.from([...pos, ...neg]),
    posBboxes: Float32Array.from(pos),
    negBboxes: Float32Array.from(neg),
    posIsGt: new Uint8Array(p),
    numGts: p,
    posAssignedGtInds: Int32Array.from({ length: p }, (_, i) => i),
    posGtBboxes: Float32Array.from(posGt),
    posGtLabels: Int32Array.from(labels),
    assignResult: { numGts: p, gtInds: new Int32Array(0), maxOverlaps: new Float32Array(0), labels: null },
  };
}

describe('bbox targets and losses', () => {
  const coder = new DeltaXYWHBBoxCoder({ stds: [0.1, 0.1, 0.2, 0.2] });

  it('encodes positives with stds (0.1, 0.1, 0.2, 0.2), background label = numClasses, images concatenated', () => {
    // proposal centre (5, 5) size 10x10; gt centre (6, 8) size 10x12:
    // dx = 0.1 / 0.1 = 1, dy = 0.3 / 0.1 = 3, dw = log(1) / 0.2 = 0, dh = log(1.2) / 0.2.
    const a = samplingResult([0, 0, 10, 10], [1, 2, 11, 14], [1], [20, 20, 30, 30]);
    const b = samplingResult([], [], [], [0, 0, 5, 5, 1, 1, 6, 6]);
    const t = bboxTargets([a, b], coder, 2);
    expect(Array.from(t.labels)).toEqual([1, 2, 2, 2]);
    expect(Array.from(t.labelWeights)).toEqual([1, 1, 1, 1]);
    const want = [1, 3, 0, Math.log(1.2) / 0.2];
    for (let i = 0; i < 4; i++) expect(t.bboxTargets[i]).toBeCloseTo(want[i]!, 5);
    expect(Array.from(t.bboxTargets.subarray(4))).toEqual(new Array(12).fill(0));
    expect(Array.from(t.bboxWeights)).toEqual([1, 1, 1, 1, ...new Array(12).fill(0)]);
  });

  it('softmax CE averaged over samples and L1 on the positive class deltas over all samples', () => {
    const t = {
      labels: Int32Array.from([1, 2]),
      labelWeights: Float32Array.from([1, 1]),
      bboxTargets: Float32Array.from([1.5, 2, 2, 5, 0, 0, 0, 0]),
      bboxWeights: Float32Array.from([1, 1, 1, 1, 0, 0, 0, 0]),
    };
    // RoI 0: softmax(0, ln 2, 0) = (1/4, 1/2, 1/4), label 1 -> ln 2. RoI 1: uniform over 3, label 2 -> ln 3.
    const cls = tf.tensor2d([0, Math.log(2), 0, 0, 0, 0], [2, 3]);
    // Class-1 deltas of RoI 0 are (1, 2, 3, 4): |.5| + 0 + 1 + 1 = 2.5, over 2 samples; RoI 1 is background.
    const reg = tf.tensor2d([9, 9, 9, 9, 1, 2, 3, 4, 100, 100, 100, 100, 100, 100, 100, 100], [2, 8]);
    const l = bboxHeadLoss(cls, reg, t, 2);
    expect(l.loss_cls.dataSync()[0]).toBeCloseTo(Math.log(6) / 2, 5);
    expect(l.loss_bbox.dataSync()[0]).toBeCloseTo(1.25, 5);
    tf.dispose([cls, reg, l.loss_cls, l.loss_bbox]);
  });
});
