import * as tf from '@tensorflow/tfjs-core';
import type { TrainableModel } from '../models/types.js';
import type { AdamW } from './adamw.js';
import { clipGradNorm } from './grad-clip.js';
import { variableGradsFreeing } from '../core/tape-backprop.js';

export interface StepResult {
  /** Every term the model returned, as numbers (losses and logged extras such as accuracies). */
  terms: Record<string, number>;
  /** The differentiated total: the sum of the terms whose name contains 'loss' (mmdet's parse_losses). */
  loss: number;
  /** Global gradient L2 norm before clipping, when clipping is on. */
  gradNorm: number | null;
}

/**
 * One optimisation step: forward in training mode under `tf.variableGrads`, optional gradient clipping, AdamW
 * update at `lr`. Everything it allocates is disposed before it returns, so the engine's tensor count is the
 * same after every step.
 */
export function trainStep<B>(model: TrainableModel<B>, optimizer: AdamW, batch: B, lr: number, maxGradNorm: number | null): StepResult {
  const kept: Record<string, tf.Scalar> = {};
  // Frees activations and intermediate gradients during the backward pass (tf.variableGrads holds all of them to the end).
  const { value, grads } = variableGradsFreeing(() => {
    const terms = model.forwardTrain(batch);
    const lossNames = Object.keys(terms).filter((k) => k.includes('loss'));
    if (lossNames.length === 0) throw new Error(`forwardTrain returned no loss term (got ${Object.keys(terms).join(', ') || 'nothing'})`);
    // The tape's tidy disposes everything but the result; keep each term to log it.
    for (const [k, t] of Object.entries(terms)) kept[k] = tf.keep(t);
    return tf.addN(lossNames.map((k) => terms[k]!)) as tf.Scalar;
  }, optimizer.variables());
  let usedGrads = grads;
  let gradNorm: number | null = null;
  try {
    const names = Object.keys(kept);
    const stacked = tf.tidy(() => tf.stack(names.map((k) => tf.cast(tf.reshape(kept[k]!, []), 'float32'))));
    const values = stacked.dataSync() as Float32Array;
    stacked.dispose();
    const terms: Record<string, number> = {};
    names.forEach((k, i) => (terms[k] = values[i]!));
    const loss = (value.dataSync() as Float32Array)[0]!;
    if (!Number.isFinite(loss)) throw new Error(`loss is ${loss} (${names.map((k) => `${k}=${terms[k]}`).join(', ')})`);
    if (maxGradNorm !== null) {
      const clipped = clipGradNorm(grads, maxGradNorm);
      usedGrads = clipped.grads;
      gradNorm = clipped.totalNorm;
    }
    optimizer.step(usedGrads, lr);
    return { terms, loss, gradNorm };
  } finally {
    value.dispose();
    for (const t of Object.values(kept)) t.dispose();
    tf.dispose(Object.values(grads));
    if (usedGrads !== grads) tf.dispose(Object.values(usedGrads));
  }
}
