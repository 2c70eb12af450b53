import * as tf from '@tensorflow/tfjs-core';
import { MilaBackbone } from '../../backbones/mila/index.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { AdamW } from '../../train/adamw.js';
import type { BenchEntry } from '../entry.js';
import { randomImage } from './random-input.js';

/**
 * One training step of the MILA-T backbone at 512x512, batch 1: forward in training mode (drop-path on),
 * a loss over all four outputs (mean of squares, so every output gets a gradient), backward, AdamW update.
 */
export const MILA_TRAIN_STEP_ENTRY: BenchEntry = {
  name: 'mila_t.train_step.512',
  torch: ['train_step', '512'],
  async prepare() {
    await registerAllGradients();
    const model = new MilaBackbone('mila_t').train();
    const settings = model.namedParameters().map(([name, variable]) => ({ name, variable, lrMult: 1, weightDecay: 0.05 }));
    const opt = new AdamW(settings, { betas: [0.9, 0.999], eps: 1e-8 });
    const x = randomImage([1, 512, 512, 3]);
    return {
      run() {
        const { value, grads } = tf.variableGrads(
          () => tf.addN(model.forward(x).map((o) => tf.mean(tf.square(o)))) as tf.Scalar,
          opt.variables(),
        );
        opt.step(grads, 1e-4);
        value.dataSync();
        tf.dispose([value, ...Object.values(grads)]);
        opt.variables()[0]!.dataSync(); // the update has landed
      },
      dispose() {
        x.dispose();
      },
    };
  },
};
