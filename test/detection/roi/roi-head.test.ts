import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../core/backend.js';
import { registerAllGradients } from '../../../core/kernels/register-gradients.js';
import { Rng } from '../../../core/rng.js';
import type { ImageMeta } from '../../../core/types/data.js';
import { StandardRoIHead } from '../../../heads/det/roi/standard-roi-head.js';
import { maskRcnnModel, milaDetBackbone } from '../../../models/detector/mask-rcnn-config.js';

const NUM_CLASSES = 3;

function smallHead(): StandardRoIHead {
  const cfg = maskRcnnModel(milaDetBackbone(8, [1, 1, 1, 1], [1, 1, 1, 1], 0), {
    inChannels: [8, 16, 32, 64],
    numClasses: NUM_CLASSES,
    fpnChannels: 8,
    fcOutChannels: 16,
    maskConvs: 2,
    maskConvChannels: 8,
    rcnnSamples: 64,
  });
  return new StandardRoIHead(cfg.roiHead, cfg.trainCfg.rcnn, cfg.testCfg.rcnn, new Rng(1));
}

/** A 64x64 image's FPN levels P2..P6 (8 channels) and its gts: two boxes with rectangular masks. */
function fixture() {
  const rng = new Rng(3);
  const feats = [16, 8, 4, 2, 1].map((s) => tf.tensor4d(Float32Array.from({ length: s * s * 8 }, () => rng.normal()), [1, s, s, 8]));
  const gtBoxes = Float32Array.from([4, 6, 30, 40, 34, 10, 60, 28]);
  const gtLabels = Int32Array.from([0, 2]);
  const data = new Uint8Array(2 * 64 * 64);
  for (let g = 0; g < 2; g++) {
    const [x1, y1, x2, y2] = gtBoxes.subarray(g * 4, g * 4 + 4);
    for (let y = y1! + 2; y < y2! - 2; y++) for (let x = x1! + 2; x < x2! - 2; x++) data[g * 4096 + y * 64 + x] = 1;
  }
  const proposals: number[] = [];
  for (let i = 0; i < 40; i++) {
    const x = rng.uniform(0, 50);
    const y = rng.uniform(0, 50);
    proposals.push(x, y, x + rng.uniform(4, 30), y + rng.uniform(4, 30));
  }
  return { feats, gtBoxes, gtLabels, gtMasks: { count: 2, height: 64, width: 64, data }, proposals: Float32Array.from(proposals) };
}

describe('StandardRoIHead', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
    await registerAllGradients();
  });

  it('names its parameters as mmdet (under roi_head.)', () => {
    const head = smallHead();
    const names = head.namedParameters().map(([k]) => k);
    expect(names).toContain('bbox_head.shared_fcs.0.weight');
    expect(names).toContain('bbox_head.fc_reg.bias');
    expect(names).toContain('mask_head.convs.1.conv.weight');
    expect(names).toContain('mask_head.conv_logits.weight');
    head.dispose();
  });

  for (const backend of ['cpu', 'wasm'])
  it(`a training step on random features (${backend}): losses as expected at init, gradients everywhere, no leaked tensors`, async () => {
    await initBackend(backend, { quiet: true });
    const head = smallHead();
    const f = fixture();
    const targets = { gtBoxes: [f.gtBoxes], gtLabels: [f.gtLabels], gtMasks: [f.gtMasks] };
    const vars = head.parameters();
    const before = tf.memory().numTensors;
    for (let step = 0; step < 2; step++) {
      let terms: number[] = [];
      const { value, grads } = tf.variableGrads(() => {
        const l = head.forwardTrain(f.feats, [f.proposals], targets);
        terms = [l.loss_cls, l.loss_bbox, l.loss_mask].map((t) => t.dataSync()[0]!);
        return tf.addN([l.loss_cls, l.loss_bbox, l.loss_mask]) as tf.Scalar;
      }, vars);
      const [cls, bbox, mask] = terms;
      // fc_cls starts at N(0, 0.01): near-uniform softmax over K + 1 = 4 classes.
      if (step === 0) expect(Math.abs(cls! - Math.log(4))).toBeLessThan(0.05);
      expect(bbox).toBeGreaterThan(0);
      expect(mask).toBeGreaterThan(0);
      expect(value.dataSync()[0]).toBeCloseTo(cls! + bbox! + mask!, 4);
      for (const v of vars) {
        const g = grads[v.name];
        expect(g, v.name).toBeDefined();
      }
      const gMask = grads[vars.find((v) => v === head.maskHead.convLogits.weight)!.name]!;
      const gCls = grads[head.bboxHead.fcCls.weight.name]!;
      expect(tf.tidy(() => tf.max(tf.abs(gMask)).dataSync()[0]!)).toBeGreaterThan(0);
      expect(tf.tidy(() => tf.max(tf.abs(gCls)).dataSync()[0]!)).toBeGreaterThan(0);
      tf.tidy(() => {
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.01)));
      });
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(f.feats);
    head.dispose();
    await initBackend('cpu', { quiet: true });
  });

  it('gradients reach the feature maps through both RoI branches', () => {
    const head = smallHead();
    const f = fixture();
    const targets = { gtBoxes: [f.gtBoxes], gtLabels: [f.gtLabels], gtMasks: [f.gtMasks] };
    const g = tf.grads((...xs: tf.Tensor[]) => {
      const l = head.forwardTrain(xs as tf.Tensor4D[], [f.proposals], targets);
      return tf.addN([l.loss_cls, l.loss_bbox, l.loss_mask]) as tf.Scalar;
    })(f.feats.slice(0, 4));
    expect(g.length).toBe(4);
    expect(tf.tidy(() => tf.max(tf.abs(g[0]!)).dataSync()[0]!)).toBeGreaterThan(0);
    // No RoI of a 64x64 image reaches P5 (scale >= 448).
    expect(tf.tidy(() => tf.max(tf.abs(g[3]!)).dataSync()[0]!)).toBe(0);
    tf.dispose([...g, ...f.feats]);
    head.dispose();
  });

  it('test time: at most max_per_img detections in the original image, masks pasted at its size', () => {
    const head = smallHead().eval();
    const f = fixture();
    // The network saw the image at 2x: boxes and masks come back at the 32x32 original size.
    const meta: ImageMeta = {
      filename: 'x.png',
      imageId: 1,
      oriShape: [32, 32],
      imgShape: [64, 64],
      padShape: [64, 64],
      scaleFactor: [2, 2, 2, 2],
      flip: false,
      flipDirection: null,
    };
    const before = tf.memory().numTensors;
    const [res] = head.simpleTest(f.feats, [f.proposals], [meta]);
    expect(tf.memory().numTensors).toBe(before);
    const n = res!.scores.length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(100);
    for (let i = 1; i < n; i++) expect(res!.scores[i]!).toBeLessThanOrEqual(res!.scores[i - 1]!);
    for (let i = 0; i < n; i++) {
      expect(res!.scores[i]!).toBeGreaterThan(0.05);
      expect(res!.labels[i]!).toBeGreaterThanOrEqual(0);
      expect(res!.labels[i]!).toBeLessThan(NUM_CLASSES);
      for (let c = 0; c < 4; c++) {
        expect(res!.boxes[i * 4 + c]!).toBeGreaterThanOrEqual(0);
        expect(res!.boxes[i * 4 + c]!).toBeLessThanOrEqual(32);
      }
    }
    expect(res!.masks!.count).toBe(n);
    expect([res!.masks!.height, res!.masks!.width]).toEqual([32, 32]);
    tf.dispose(f.feats);
    head.dispose();
  });
});
