import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../core/backend.js';
import { registerAllGradients } from '../../../core/kernels/register-gradients.js';
import { mapRoiLevels } from '../../../heads/det/roi/level-mapping.js';
import { SingleRoIExtractor } from '../../../heads/det/roi/single-roi-extractor.js';

describe('mapRoiLevels (finest_scale 56, 4 levels)', () => {
  it('maps floor(log2(sqrt(wh) / 56 + 1e-6)) clamped to 0..3', () => {
    const box = (w: number, h: number) => [0, 10, 20, 10 + w, 20 + h];
    const rois = [box(10, 10), box(111, 111), box(112, 112), box(56, 224), box(223, 223), box(224, 224), box(447, 447), box(448, 448), box(2000, 1000), box(0, 0)].flat();
    expect(Array.from(mapRoiLevels(rois, 4))).toEqual([0, 0, 1, 1, 1, 2, 2, 3, 3, 0]);
    expect(Array.from(mapRoiLevels(rois, 2))).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
  });
});

describe('SingleRoIExtractor', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
    await registerAllGradients();
  });

  for (const forceComposed of [false, true])
  it(`pools each RoI from its level and routes gradients back to that level only (${forceComposed ? 'gather+matmul' : 'host kernel'})`, () => {
    // Level l is the constant l + 1 (2 channels), so an in-map RoI pools to exactly its level's constant.
    const ext = new SingleRoIExtractor({ outSize: 2, featmapStrides: [4, 8, 16, 32] });
    const sizes = [64, 32, 16, 8];
    const feats = sizes.map((s, l) => tf.fill([1, s, s, 2], l + 1) as tf.Tensor4D);
    // scales 40 (P2), 150 (P3), 40 (P2), 300 (P4): none reaches P5.
    const rois = [0, 10, 10, 50, 50, 0, 20, 20, 170, 170, 0, 100, 100, 140, 140, 0, 0, 0, 250, 250];
    const before = tf.memory().numTensors;
    const out = ext.forward(feats, rois, forceComposed);
    expect(out.shape).toEqual([4, 2, 2, 2]);
    const v = out.dataSync();
    const want = [1, 2, 1, 3];
    for (let r = 0; r < 4; r++) for (let k = 0; k < 8; k++) expect(v[r * 8 + k]).toBeCloseTo(want[r]!, 5);
    out.dispose();

    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(ext.forward(xs as tf.Tensor4D[], rois, forceComposed)))(feats);
    // Each output value is an average (weights summing to 1 for in-map samples): a level's gradient sums to
    // (#RoIs on it) * outH * outW * channels.
    const sums = grads.map((g) => tf.tidy(() => tf.sum(g).dataSync()[0]!));
    expect(sums[0]).toBeCloseTo(2 * 4 * 2, 4);
    expect(sums[1]).toBeCloseTo(1 * 4 * 2, 4);
    expect(sums[2]).toBeCloseTo(1 * 4 * 2, 4);
    expect(sums[3]).toBe(0);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(feats);
  });
});
