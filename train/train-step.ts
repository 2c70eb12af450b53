import * as tf from '@tensorflow/tfjs-core';
import type { TrainableModel } from '../models/types.js';
import type { AdamW } from './adamw.js';
import { clipGradNorm, globalGradNorm, nonFiniteGradients } from './grad-clip.js';
import { variableGradsFreeing } from '../core/tape-backprop.js';
import { asNativeBackend } from '../core/native-backend/native-backend.js';

export interface StepResult {
  /** Every term the model returned, as numbers (losses and logged extras such as accuracies). */
  terms: Record<string, number>;
  /** The differentiated total: the sum of the terms whose name contains 'loss' (mmdet's parse_losses). */
  loss: number;
  /** Global gradient L2 norm before clipping, when clipping is on (logged as mmcv logs it: only then). */
  gradNorm: number | null;
}

/**
 * A step whose loss or global gradient norm is NaN or infinite. Thrown before the optimizer touches anything:
 * weights and moments stay those of the last finite step.
 */
export class NonFiniteStepError extends Error {
  override name = 'NonFiniteStepError';
}

/**
 * One optimisation step: forward in training mode under `tf.variableGrads`, the loss and the global gradient
 * norm checked to be finite (a NonFiniteStepError otherwise, before any update), optional gradient clipping by
 * that same norm, AdamW update at `lr`. Everything it allocates is disposed before it returns, so the engine's tensor count is the
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
    if (!Number.isFinite(loss)) throw new NonFiniteStepError(`loss is ${loss} (${names.map((k) => `${k}=${terms[k]}`).join(', ')})`);
    // One reduction over all gradients, the one clipping needs anyway: a finite loss can still come with NaN
    // gradients (a NaN weight the loss does not reach, 0 * inf in a backward pass), which AdamW would spread
    // into the weights and both moments.
    const norm = globalGradNorm(grads);
    if (!Number.isFinite(norm)) {
      const bad = nonFiniteGradients(grads).map((v) => optimizer.parameterName(v));
      const which = bad.length ? `NaN or infinite gradients in ${bad.length} parameter${bad.length > 1 ? 's' : ''}, first ${bad[0]}` : 'the sum of squared gradients overflows float32';
      throw new NonFiniteStepError(`gradient norm is ${norm} (${which}; loss ${loss})`);
    }
    // Running statistics are updated by the forward pass itself: a batch variance that overflows float32 leaves a
    // NaN running_var behind a finite loss (the batch's own, normalised, statistics are used in training).
    const badBuffer = firstNonFiniteBuffer(model);
    if (badBuffer) throw new NonFiniteStepError(`${badBuffer} became NaN or infinite in the forward pass (loss ${loss})`);
    if (maxGradNorm !== null) {
      usedGrads = clipGradNorm(grads, maxGradNorm, norm).grads;
      gradNorm = norm;
    }
    optimizer.step(usedGrads, lr);
    return { terms, loss, gradNorm };
  } finally {
    value.dispose();
    for (const t of Object.values(kept)) t.dispose();
    tf.dispose(Object.values(grads));
    if (usedGrads !== grads) tf.dispose(Object.values(usedGrads));
    asNativeBackend(tf.backend())?.memoryManager.endStep();
  }
}

/** The first floating-point persistent buffer (BatchNorm's running_mean/var) holding NaN or ±Infinity, or null. */
function firstNonFiniteBuffer(model: TrainableModel<unknown>): string | null {
  const buffers = model.namedBuffers('', true).filter(([, v]) => v.dtype === 'float32');
  if (buffers.length === 0) return null;
  // x * 0 is 0 for every finite x and NaN otherwise: one summed read for all buffers, a per-buffer look only on failure.
  const anyBad = (ts: tf.Variable[]) => {
    const s = tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.mul(t, 0)))));
    const bad = !Number.isFinite((s.dataSync() as Float32Array)[0]!);
    s.dispose();
    return bad;
  };
  if (!anyBad(buffers.map(([, v]) => v))) return null;
  return buffers.find(([, v]) => anyBad([v]))?.[0] ?? null;
}
