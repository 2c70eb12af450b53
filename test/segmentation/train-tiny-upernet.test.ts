import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { manualSeed } from '../../core/rng.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { predictLabelMap } from '../../models/segmentor/inference.js';
import { paramSettings } from '../../train/param-groups.js';
import { AdamW } from '../../train/adamw.js';
import { trainStep } from '../../train/train-step.js';
import { UPERNET_TINYCONV } from '../../configs/upernet.js';
import { syntheticSegBatch } from './synthetic-seg-data.js';

function tinyConfig(): EncoderDecoderConfig {
  const cfg = structuredClone(UPERNET_TINYCONV.model);
  cfg.backbone = { type: 'TinyConv', channels: [8, 8, 16, 16] };
  cfg.decodeHead = { ...cfg.decodeHead, inChannels: [8, 8, 16, 16], channels: 8, numClasses: 4 };
  cfg.auxiliaryHead = { ...cfg.auxiliaryHead!, inChannels: [16], channels: 8, numClasses: 4 };
  return cfg;
}

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  await registerAllGradients();
});

describe('a small UperNet trains on synthetic segmentation data', () => {
  it('loss falls over a few AdamW steps and the tensor count stays flat', () => {
    manualSeed(1);
    const model = new EncoderDecoder(tinyConfig());
    const optimizer = new AdamW(paramSettings(model, { ...UPERNET_TINYCONV.optimizer, lr: 2e-2 }), { betas: [0.9, 0.999], eps: 1e-8 });
    const batch = syntheticSegBatch(2, 32, 7);
    model.train();
    const losses: number[] = [];
    const counts: number[] = [];
    const accs: number[] = [];
    for (let step = 0; step < 10; step++) {
      const r = trainStep(model, optimizer, batch, 2e-2, null);
      expect(Object.keys(r.terms).sort()).toEqual(['aux.acc_seg', 'aux.loss_ce', 'decode.acc_seg', 'decode.loss_ce']);
      // The runner differentiates the sum of the loss terms only (acc_seg is logged).
      expect(r.loss).toBeCloseTo(r.terms['decode.loss_ce']! + r.terms['aux.loss_ce']!, 5);
      losses.push(r.loss);
      accs.push(r.terms['decode.acc_seg']!);
      counts.push(tf.memory().numTensors);
    }
    // Initial CE is about ln(4) * (1 + 0.4) * (non-ignored share); it must fall clearly.
    expect(losses[0]).toBeGreaterThan(1.0);
    expect(losses[5]!).toBeLessThan(losses[0]!);
    expect(losses[9]!).toBeLessThan(losses[5]!);
    expect(losses[9]!).toBeLessThan(0.7 * losses[0]!);
    expect(new Set(counts.slice(1)).size).toBe(1);

    // mmseg's logged pixel accuracy (training mode, batch statistics) rises from chance to most pixels.
    expect(accs[0]!).toBeLessThan(60);
    expect(accs[9]!).toBeGreaterThan(80);

    // Inference restores the training flag it found and yields one class index per pixel.
    const img = tf.tensor4d(batch.images.subarray(0, 32 * 32 * 3), [1, 32, 32, 3]);
    const pred = predictLabelMap(model, [{ image: img, flip: false }], [32, 32], model.cfg.testCfg);
    img.dispose();
    expect(pred.length).toBe(32 * 32);
    expect(pred.every((c) => c < 4)).toBe(true);
    expect(model.training).toBe(true);
    model.dispose();
  });
});
