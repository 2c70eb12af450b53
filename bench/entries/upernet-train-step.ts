import * as tf from '@tensorflow/tfjs-core';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { Rng } from '../../core/rng.js';
import { UPERNET_MILA_T } from '../../configs/upernet.js';
import { buildEncoderDecoder } from '../../models/segmentor/encoder-decoder.js';
import { AdamW } from '../../train/adamw.js';
import { paramSettings } from '../../train/param-groups.js';
import { trainStep } from '../../train/train-step.js';
import type { SegBatch } from '../../core/types/data.js';
import type { BenchEntry } from '../entry.js';

/** A seeded batch as the ADE20K training pipeline gives it: normalised images and labels 0..149 with some 255s. */
export function randomSegBatch(n: number, size: number, numClasses: number, seed = 0): SegBatch {
  const rng = new Rng(seed);
  const images = Float32Array.from({ length: n * size * size * 3 }, () => rng.normal());
  // Blocks of 32x32 pixels of one class, so the loss sees regions rather than noise; 1 in 10 blocks ignored.
  const labels = new Uint8Array(n * size * size);
  const blocks = Math.ceil(size / 32);
  for (let b = 0; b < n; b++) {
    const cls = Array.from({ length: blocks * blocks }, () => (rng.uniform() < 0.1 ? 255 : Math.floor(rng.uniform() * numClasses)));
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) labels[(b * size + y) * size + x] = cls[(y >> 5) * blocks + (x >> 5)]!;
  }
  const meta = { filename: 'bench.jpg', imageId: 0, oriShape: [size, size] as [number, number], imgShape: [size, size] as [number, number], padShape: [size, size] as [number, number], scaleFactor: [1, 1, 1, 1] as [number, number, number, number], flip: false, flipDirection: null };
  return { images, shape: [n, size, size, 3], metas: Array.from({ length: n }, () => ({ ...meta })), labels };
}

/**
 * One training iteration of upernet_mila_t_512x512_160k_ade20k as `mila train` runs it: batch 2 of 512x512 crops,
 * 150 classes, forward (decode + auxiliary losses), backward, AdamW with the preset's paramwise groups.
 * PyTorch side: the official mmseg UperNet with the MLLA-T backbone (bench/torch/run_torch.py `upernet_train`).
 */
export const UPERNET_TRAIN_STEP_ENTRY: BenchEntry = {
  name: 'upernet_t.train_step.512',
  torch: ['upernet_train', '512'],
  async prepare() {
    await registerAllGradients();
    const cfg = structuredClone(UPERNET_MILA_T);
    const model = buildEncoderDecoder(cfg.model).train();
    const opt = new AdamW(paramSettings(model, cfg.optimizer), { betas: cfg.optimizer.betas, eps: cfg.optimizer.eps });
    const batch = randomSegBatch(2, 512, cfg.model.decodeHead.numClasses);
    return {
      run() {
        trainStep(model, opt, batch, 6e-5, null);
      },
      dispose() {
        opt.dispose();
        model.dispose();
        void tf;
      },
    };
  },
};
