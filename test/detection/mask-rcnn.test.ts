import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { Module } from '../../core/module.js';
import { Conv2d } from '../../core/layers/index.js';
import { manualSeed } from '../../core/rng.js';
import type { Backbone, ShapeSpec } from '../../core/types/backbone.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import { customDetBackbone, maskRcnnModel } from '../../models/detector/mask-rcnn-config.js';
import { AdamW } from '../../train/adamw.js';
import { paramSettings } from '../../train/param-groups.js';
import { trainStep } from '../../train/train-step.js';
import { getConfig } from '../../configs/index.js';
import type { OptimizerConfig } from '../../configs/types.js';
import { rectangleBatch } from './det-batch.js';

/**
 * A backbone that is not MILA: four strided convs, implementing only the Backbone contract. The Mask R-CNN
 * heads are built from its declared channels and strides, which shows they are decoupled from MILA.
 */
class TinyConvBackbone extends Module implements Backbone {
  readonly outShapes: readonly ShapeSpec[];
  private readonly convs: Conv2d[];

  constructor(readonly channels: number[]) {
    super();
    this.convs = channels.map((c, i) => this.registerModule(`conv${i}`, new Conv2d(i === 0 ? 3 : channels[i - 1]!, c, i === 0 ? 4 : 2, { stride: i === 0 ? 4 : 2 })));
    this.outShapes = channels.map((c, i) => ({ channels: c, stride: 4 * 2 ** i }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => {
      const outs: tf.Tensor4D[] = [];
      let y: tf.Tensor4D = x;
      for (const conv of this.convs) outs.push((y = tf.relu(conv.forward(y)) as tf.Tensor4D));
      return outs;
    });
  }
}

const OPT: OptimizerConfig = { type: 'AdamW', lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05, paramwise: { customKeys: {}, normDecayMult: 1, biasDecayMult: 1 }, gradClip: null };

function smallConfig(inChannels: number[], numClasses: number) {
  return maskRcnnModel(
    customDetBackbone('TinyConvBackbone', inChannels.map((channels, i) => ({ channels, stride: 4 * 2 ** i }))),
    { inChannels, numClasses, fpnChannels: 16, fcOutChannels: 32, maskConvs: 1, maskConvChannels: 16, trainNmsPre: 200, trainProposals: 64, testNmsPre: 200, testProposals: 64, rcnnSamples: 32, maxPerImg: 20 },
  );
}

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  await registerAllGradients();
});

describe('Mask R-CNN heads on a custom (non-MILA) backbone', () => {
  let model: MaskRCNN;
  const batch = rectangleBatch(2, 64, [[8, 8, 40, 30, 30, 36, 60, 60], [4, 20, 28, 60]], 3);
  beforeAll(() => {
    manualSeed(5);
    model = new MaskRCNN(smallConfig([8, 16, 24, 32], 3), { backbone: new TinyConvBackbone([8, 16, 24, 32]), seed: 1 });
  });
  afterAll(() => model.dispose());

  it('names parameters as mmdet (backbone., neck., rpn_head., roi_head.)', () => {
    const names = model.namedParameters().map(([k]) => k);
    for (const k of ['backbone.conv0.weight', 'neck.lateral_convs.0.conv.weight', 'neck.fpn_convs.3.conv.bias', 'rpn_head.rpn_conv.weight', 'rpn_head.rpn_reg.bias', 'roi_head.bbox_head.shared_fcs.0.weight', 'roi_head.bbox_head.fc_cls.weight', 'roi_head.mask_head.convs.0.conv.weight', 'roi_head.mask_head.conv_logits.weight']) {
      expect(names, k).toContain(k);
    }
    expect(model.namedChildren().map(([k]) => k)).toEqual(['backbone', 'neck', 'rpn_head', 'roi_head']);
  });

  it('a training step returns the five mmdet losses and acc and leaves the tensor count unchanged; the loss falls over 20 steps', () => {
    const opt = new AdamW(paramSettings(model, OPT), { betas: [0.9, 0.999], eps: 1e-8 });
    const first = trainStep(model, opt, batch, 1e-3, null);
    expect(Object.keys(first.terms).sort()).toEqual(['acc', 'loss_bbox', 'loss_cls', 'loss_mask', 'loss_rpn_bbox', 'loss_rpn_cls']);
    for (const v of Object.values(first.terms)) expect(Number.isFinite(v)).toBe(true);
    // acc is a percentage over the sampled RoIs and is only logged: the differentiated loss is the sum of the five losses.
    expect(first.terms.acc).toBeGreaterThanOrEqual(0);
    expect(first.terms.acc).toBeLessThanOrEqual(100);
    const { acc: _acc, ...losses5 } = first.terms;
    expect(first.loss).toBeCloseTo(Object.values(losses5).reduce((a, b) => a + b, 0), 5);
    // an untrained RPN with zero-mean outputs sits near ln 2; the RoI classifier near ln(K + 1)
    expect(first.terms.loss_rpn_cls).toBeGreaterThan(0.5);
    expect(first.terms.loss_rpn_cls).toBeLessThan(0.9);
    const before = tf.memory().numTensors;
    const losses = [first.loss];
    for (let i = 1; i < 20; i++) {
      losses.push(trainStep(model, opt, batch, 1e-3, null).loss);
      if (i === 1) expect(tf.memory().numTensors).toBe(before);
    }
    expect(tf.memory().numTensors).toBe(before);
    const head = (losses[0]! + losses[1]! + losses[2]!) / 3;
    const tail = (losses[17]! + losses[18]! + losses[19]!) / 3;
    expect(tail).toBeLessThan(0.8 * head);
  });

  it('simpleTest returns boxes, scores, labels and original-size masks per image without leaking tensors', () => {
    model.eval();
    const before = tf.memory().numTensors;
    const res = model.simpleTest(batch);
    expect(tf.memory().numTensors).toBe(before);
    expect(res.length).toBe(2);
    for (const r of res) {
      const n = r.scores.length;
      expect(r.boxes.length).toBe(4 * n);
      expect(r.labels.length).toBe(n);
      expect(n).toBeLessThanOrEqual(20);
      for (let i = 0; i < n; i++) {
        expect(r.scores[i]!).toBeGreaterThan(0.05);
        if (i > 0) expect(r.scores[i]!).toBeLessThanOrEqual(r.scores[i - 1]!);
        expect(r.labels[i]!).toBeGreaterThanOrEqual(0);
        expect(r.labels[i]!).toBeLessThan(3);
        expect(r.boxes[4 * i]!).toBeGreaterThanOrEqual(0);
        expect(r.boxes[4 * i + 2]!).toBeLessThanOrEqual(64);
      }
      expect(r.masks!.count).toBe(n);
      expect([r.masks!.height, r.masks!.width]).toEqual([64, 64]);
    }
    model.train();
  });

  it('rejects a neck that does not match the backbone channels', () => {
    const bad = smallConfig([8, 16, 24, 48], 3);
    expect(() => new MaskRCNN(bad, { backbone: new TinyConvBackbone([8, 16, 24, 32]) })).toThrow(/declares backbone 'TinyConvBackbone' with channels \[8, 16, 24, 48\].*gives channels \[8, 16, 24, 32\]/);
    const neck = smallConfig([8, 16, 24, 32], 3);
    neck.neck.inChannels = [8, 16, 24, 48];
    expect(() => new MaskRCNN(neck, { backbone: new TinyConvBackbone([8, 16, 24, 32]) })).toThrow(/neck expects channels \[8, 16, 24, 48\] but the backbone gives \[8, 16, 24, 32\]/);
    expect(() => new MaskRCNN(neck)).toThrow(/custom 'TinyConvBackbone': pass it as new MaskRCNN\(cfg, \{ backbone \}\)/);
  });
});

describe('presets', () => {
  it('the small MILA preset (mask_rcnn_mila_tiny_fpn_synthetic) trains a step with a flat tensor count', () => {
    manualSeed(0);
    const cfg = getConfig('mask_rcnn_mila_tiny_fpn_synthetic');
    const model = new MaskRCNN(cfg.model as never, { seed: 0 });
    const numClasses = model.numClasses;
    const batch = rectangleBatch(1, 96, [[8, 8, 50, 40, 40, 50, 90, 92]], numClasses);
    const opt = new AdamW(paramSettings(model, cfg.optimizer), { betas: cfg.optimizer.betas, eps: cfg.optimizer.eps });
    trainStep(model, opt, batch, 1e-4, null); // warm-up: caches (e.g. RoPE tables for this input size) fill here
    const before = tf.memory().numTensors;
    const r = trainStep(model, opt, batch, 1e-4, null);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(r.loss)).toBe(true);
    opt.dispose();
    model.dispose();
  });

  it('mask_rcnn_mila_t_fpn_1x_coco has 44,031,120 parameters (backbone 23,880,096; FPN 2,607,104; RPN 593,935; RoI 16,949,985)', () => {
    const model = new MaskRCNN(getConfig('mask_rcnn_mila_t_fpn_1x_coco').model as never);
    const counts = Object.fromEntries(model.namedChildren().map(([k, m]) => [k, m.numParameters()]));
    expect(counts).toEqual({ backbone: 23_880_096, neck: 2_607_104, rpn_head: 593_935, roi_head: 14_306_705 + 2_643_280 });
    expect(model.numParameters()).toBe(44_031_120);
    model.dispose();
  });
});
