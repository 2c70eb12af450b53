import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { FPN } from '../../necks/fpn.js';
import { RPNHead, type RPNHeadOptions, type RPNTrainSettings } from '../../heads/det/rpn-head.js';
import { rpnImageProposals } from '../../heads/det/rpn-proposals.js';
import { DeltaXYWHBBoxCoder } from '../../core/boxes/delta-xywh-coder.js';
import type { ImageMeta } from '../../core/types/data.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  await registerAllGradients();
});

const close = (a: ArrayLike<number>, b: number[], digits = 5) => {
  expect(a.length).toBe(b.length);
  b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, digits));
};

const RPN_TRAIN: RPNTrainSettings = {
  assigner: { posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true, ignoreIofThr: -1 },
  sampler: { num: 256, posFraction: 0.5, negPosUb: -1, addGtAsProposals: false },
  allowedBorder: -1,
  posWeight: -1,
};

function meta(h: number, w: number): ImageMeta {
  return { filename: 'x', imageId: 0, oriShape: [h, w], imgShape: [h, w], padShape: [h, w], scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null };
}

describe('FPN', () => {
  it('has mmdet names and 2,607,104 parameters for MILA-T/S channels', () => {
    const fpn = new FPN({ inChannels: [64, 128, 256, 512], outChannels: 256, numOuts: 5 });
    const names = fpn.namedParameters().map(([k]) => k);
    expect(names.slice(0, 2)).toEqual(['lateral_convs.0.conv.weight', 'lateral_convs.0.conv.bias']);
    expect(names).toContain('fpn_convs.3.conv.weight');
    expect(fpn.numParameters()).toBe(2_607_104);
    // xavier uniform bound for the 3x3 convs: sqrt(6 / (256*9*2)); biases zero
    const w = fpn.fpnConvs.at(0).conv.weight.dataSync();
    const bound = Math.sqrt(6 / (256 * 9 * 2));
    expect(Math.max(...Array.from(w.subarray(0, 5000), Math.abs))).toBeLessThanOrEqual(bound);
    expect(Array.from(fpn.lateralConvs.at(2).conv.bias!.dataSync()).every((v) => v === 0)).toBe(true);
    fpn.dispose();
  });

  it('top-down nearest upsampling (to the finer size, PyTorch indices) and P6 = P5[::2, ::2]', () => {
    const fpn = new FPN({ inChannels: [1, 1], outChannels: 1, numOuts: 3 });
    // identity convs: laterals 1x1 weight 1, outputs 3x3 with a centre tap of 1
    for (const i of [0, 1]) {
      fpn.lateralConvs.at(i).conv.weight.assign(tf.ones([1, 1, 1, 1]));
      const k = new Float32Array(9);
      k[4] = 1;
      fpn.fpnConvs.at(i).conv.weight.assign(tf.tensor4d(k, [3, 3, 1, 1]));
    }
    const c2 = tf.tensor4d(Array.from({ length: 25 }, (_, i) => i * 100), [1, 5, 5, 1]);
    const c3 = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const before = tf.memory().numTensors;
    const [p2, p3, p4] = fpn.forward([c2, c3]);
    expect(tf.memory().numTensors).toBe(before + 3);
    // F.interpolate(size=5) from 3 reads rows/cols floor(i * 3 / 5) = 0, 0, 1, 1, 2
    const idx = [0, 0, 1, 1, 2];
    const expected: number[] = [];
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) expected.push((y * 5 + x) * 100 + (idx[y]! * 3 + idx[x]! + 1));
    close(p2!.dataSync(), expected, 3);
    close(p3!.dataSync(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(p4!.shape).toEqual([1, 2, 2, 1]);
    close(p4!.dataSync(), [1, 3, 7, 9]);
    tf.dispose([c2, c3, p2!, p3!, p4!]);
    fpn.dispose();
  });

  it('exact 2x upsampling repeats each cell into a 2x2 block', () => {
    const fpn = new FPN({ inChannels: [1, 1], outChannels: 1, numOuts: 2 });
    for (const i of [0, 1]) {
      fpn.lateralConvs.at(i).conv.weight.assign(tf.ones([1, 1, 1, 1]));
      const k = new Float32Array(9);
      k[4] = 1;
      fpn.fpnConvs.at(i).conv.weight.assign(tf.tensor4d(k, [3, 3, 1, 1]));
    }
    const [p2, p3] = tf.tidy(() => fpn.forward([tf.zeros([1, 4, 4, 1]), tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])]));
    close(p2!.dataSync(), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    tf.dispose([p2!, p3!]);
    fpn.dispose();
  });
});

describe('FPN gradients', () => {
  it('reach every conv through the top-down path and the P6 subsampling', () => {
    const fpn = new FPN({ inChannels: [2, 3], outChannels: 2, numOuts: 3 });
    const c2 = tf.randomNormal([1, 6, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const c3 = tf.randomNormal([1, 3, 3, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    // only P6 enters the loss: gradients must flow back through the subsampling into fpn_convs.1 and lateral_convs.1
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.square(fpn.forward([c2, c3])[2]!)) as tf.Scalar, fpn.parameters());
    const p6 = tf.tidy(() => fpn.forward([c2, c3])[2]!);
    expect(p6.shape).toEqual([1, 2, 2, 2]);
    for (const [k, v] of fpn.namedParameters()) {
      const g = grads[v.name];
      const norm = g ? tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!) : 0;
      if (k.startsWith('fpn_convs.0') || k.startsWith('lateral_convs.0')) expect(norm, k).toBe(0);
      else expect(norm, k).toBeGreaterThan(0);
    }
    tf.dispose([c2, c3, p6, value, ...Object.values(grads)]);
    fpn.dispose();
  });
});

const tinyRpn: RPNHeadOptions = {
  inChannels: 2,
  featChannels: 2,
  anchorGenerator: { strides: [16], ratios: [1], scales: [1] },
  targetMeans: [0, 0, 0, 0],
  targetStds: [1, 1, 1, 1],
  lossClsWeight: 1,
  lossBboxWeight: 1,
};

describe('RPNHead', () => {
  it('has mmdet names and 593,935 parameters (256 channels, 3 anchors)', () => {
    const head = new RPNHead({ ...tinyRpn, inChannels: 256, featChannels: 256, anchorGenerator: { strides: [4, 8, 16, 32, 64], ratios: [0.5, 1, 2], scales: [8] } });
    expect(head.namedParameters().map(([k]) => k)).toEqual(['rpn_conv.weight', 'rpn_conv.bias', 'rpn_cls.weight', 'rpn_cls.bias', 'rpn_reg.weight', 'rpn_reg.bias']);
    expect(head.numParameters()).toBe(593_935);
    head.dispose();
  });

  it('losses on a hand-computed case: zero outputs give BCE ln 2 and L1 = |target| / #samples', () => {
    const head = new RPNHead(tinyRpn);
    for (const [, p] of head.namedParameters()) p.assign(tf.zerosLike(p));
    // one level, 2x2 map at stride 16, anchors 16x16 at (-8,-8), (8,-8), (-8,8), (8,8) (top-left corners)
    // gt [10, 8, 26, 24] has IoU 224/288 = 0.78 with anchor 3 and 0 with the others: 1 positive, 3 negatives
    const feat = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    const out = head.forward([feat]);
    const before = tf.memory().numTensors;
    const losses = head.loss(out, [Float32Array.from([10, 8, 26, 24])], [meta(32, 32)], [null], RPN_TRAIN);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(losses.loss_rpn_cls.dataSync()[0]).toBeCloseTo(Math.LN2, 6);
    // dx = (18 - 16) / 16 = 0.125, others 0; avg factor = 1 + 3
    expect(losses.loss_rpn_bbox.dataSync()[0]).toBeCloseTo(0.125 / 4, 6);
    tf.dispose([feat, ...out.clsScores, ...out.bboxPreds, losses.loss_rpn_cls, losses.loss_rpn_bbox]);
    head.dispose();
  });

  it('loss gradients reach every parameter', () => {
    const head = new RPNHead({ ...tinyRpn, featChannels: 8 });
    const feat = tf.randomNormal([1, 2, 2, 2], 0, 1, 'float32', 3) as tf.Tensor4D;
    const { grads, value } = tf.variableGrads(() => {
      const out = head.forward([feat]);
      const l = head.loss(out, [Float32Array.from([10, 8, 26, 24])], [meta(32, 32)], [null], RPN_TRAIN);
      return tf.add(l.loss_rpn_cls, l.loss_rpn_bbox) as tf.Scalar;
    }, head.parameters());
    expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
    for (const [k, v] of head.namedParameters()) {
      const g = grads[v.name];
      expect(g, k).toBeDefined();
      expect(tf.sum(tf.abs(g!)).dataSync()[0], k).toBeGreaterThan(0);
    }
    tf.dispose([feat, value, ...Object.values(grads)]);
    head.dispose();
  });
});

describe('RPN proposals (mmdet _get_bboxes_single)', () => {
  const coder = new DeltaXYWHBBoxCoder();
  const anchors = Float32Array.from([-8, -8, 8, 8, 8, -8, 24, 8, -8, 8, 8, 24, 8, 8, 24, 24]);
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  it('top nms_pre per level by score, decode clipped to the image, keep max_per_img', () => {
    const p = rpnImageProposals([{ logits: [0.1, 2, -1, 3], deltas: new Float32Array(16), anchors }], [32, 32], coder, { nmsPre: 2, maxPerImg: 1000, nmsIouThr: 0.7, minBboxSize: 0 });
    close(p.boxes, [8, 8, 24, 24, 8, 0, 24, 8]);
    close(p.scores, [sig(3), sig(2)]);
    const one = rpnImageProposals([{ logits: [0.1, 2, -1, 3], deltas: new Float32Array(16), anchors }], [32, 32], coder, { nmsPre: 0, maxPerImg: 1, nmsIouThr: 0.7, minBboxSize: 0 });
    close(one.boxes, [8, 8, 24, 24]);
  });
  it('drops boxes of zero width after clipping (min_bbox_size 0) and never suppresses across levels', () => {
    // the same anchor on two levels: both kept; a box clipped to zero height is dropped
    const a2 = Float32Array.from([8, 8, 24, 24, 0, -20, 10, -4]);
    const p = rpnImageProposals(
      [
        { logits: [1, 5], deltas: new Float32Array(8), anchors: a2 },
        { logits: [0.5], deltas: new Float32Array(4), anchors: a2.slice(0, 4) },
      ],
      [32, 32], coder, { nmsPre: 1000, maxPerImg: 1000, nmsIouThr: 0.7, minBboxSize: 0 });
    close(p.boxes, [8, 8, 24, 24, 8, 8, 24, 24]);
    close(p.scores, [sig(1), sig(0.5)]);
  });
});
