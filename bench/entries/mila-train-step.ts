import * as tf from '@tensorflow/tfjs-core';
import { MilaBackbone, milaConfig } from '../../backbones/mila/index.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { AdamW } from '../../train/adamw.js';
import { variableGradsFreeing } from '../../core/tape-backprop.js';
import type { BenchEntry } from '../entry.js';
import { randomImage } from './random-input.js';

/** Size of the wasm heap in MB (it only grows, so after a run it is the run's high-water mark); null off wasm. */
export function wasmHeapMb(): number | null {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8;
  return heap ? Math.round(heap.length / 2 ** 20) : null;
}

/**
 * One training step of the MILA-T backbone, batch 1: forward in training mode (drop-path on), a loss over all
 * four outputs (mean of squares, so every output gets a gradient), backward, AdamW update. With
 * `useCheckpoint` every block is recomputed in the backward pass (gradient checkpointing, core/recompute.ts);
 * 'wasm-only' turns it on where the 4 GB heap needs it. The backward pass is `mila train`'s (variableGradsFreeing).
 */
export function milaTrainStepEntry(size: number, useCheckpoint: boolean | 'wasm-only', name = `mila_t.train_step.${size}${useCheckpoint ? '' : '.no_checkpoint'}`): BenchEntry {
  return {
    name,
    torch: ['train_step', String(size)],
    async prepare() {
      await registerAllGradients();
      const checkpoint = useCheckpoint === 'wasm-only' ? tf.getBackend() === 'wasm' : useCheckpoint;
      const model = new MilaBackbone(milaConfig({ preset: 'mila_t', useCheckpoint: checkpoint })).train();
      const settings = model.namedParameters().map(([name, variable]) => ({ name, variable, lrMult: 1, weightDecay: 0.05 }));
      const opt = new AdamW(settings, { betas: [0.9, 0.999], eps: 1e-8 });
      const x = randomImage([1, size, size, 3]);
      return {
        run() {
          const { value, grads } = variableGradsFreeing(
            () => tf.addN(model.forward(x).map((o) => tf.mean(tf.square(o)))) as tf.Scalar,
            opt.variables(),
          );
          opt.step(grads, 1e-4);
          value.dataSync();
          tf.dispose([value, ...Object.values(grads)]);
          opt.variables()[0]!.dataSync(); // the update has landed
        },
        dispose() {
          const heap = wasmHeapMb();
          if (heap !== null) process.stderr.write(`${name}: wasm heap ${heap} MB (high-water mark)\n`);
          x.dispose();
          opt.dispose();
          model.dispose();
        },
      };
    },
  };
}

/**
 * `mila_t.train_step.512`: on the native backend (where `train_step` entries run under `auto`) as PyTorch's step,
 * without recomputation; on wasm with gradient checkpointing (`useCheckpoint`, the official `use_checkpoint`),
 * without which the step needs more than the 4 GB a wasm32 heap can hold.
 */
export const MILA_TRAIN_STEP_ENTRY: BenchEntry = milaTrainStepEntry(512, 'wasm-only', 'mila_t.train_step.512');
