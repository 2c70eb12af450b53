import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/rng.js';
import type { OpCase } from './op-gradient-cases.js';

export interface HostValues {
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
  dtype: tf.DataType;
}

/** Random inputs for a case, drawn on the host so both backends see identical values. */
export function makeInputs(c: OpCase, seed: number): HostValues[] {
  const rng = new Rng(seed);
  return c.inputs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    switch (spec.kind ?? 'normal') {
      case 'int':
        return { shape: spec.shape, dtype: 'int32', values: Int32Array.from({ length: n }, () => rng.int(0, spec.max ?? 2)) };
      case 'bool':
        return { shape: spec.shape, dtype: 'bool', values: Uint8Array.from({ length: n }, () => (rng.next() < 0.5 ? 1 : 0)) };
      case 'positive':
        return { shape: spec.shape, dtype: 'float32', values: Float32Array.from({ length: n }, () => rng.uniform(0.5, 2)) };
      default:
        return { shape: spec.shape, dtype: 'float32', values: Float32Array.from({ length: n }, () => rng.normal()) };
    }
  });
}

export interface CaseResult {
  forward: Float32Array;
  grads: Float32Array[];
}

/**
 * Run a case on `backend`: the forward values, and the gradients of sum(y * w) w.r.t. each float
 * input, with w a fixed non-uniform weighting so every output element's gradient path is exercised.
 */
export async function runCase(c: OpCase, inputs: HostValues[], backend: string): Promise<CaseResult> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((h) => tf.tensor(h.values, h.shape, h.dtype));
    const floatIdx = xs.map((x, i) => (x.dtype === 'float32' ? i : -1)).filter((i) => i >= 0);
    const y = c.fn(...xs);
    const w = tf.sin(tf.add(tf.mul(tf.range(0, y.size, 1, 'float32'), 0.37), 0.1));
    const forward = y.dataSync() as Float32Array;
    let grads: Float32Array[] = [];
    if (!c.forwardOnly) {
      const f = (...fs: tf.Tensor[]) => {
        const all = xs.slice();
        floatIdx.forEach((k, j) => (all[k] = fs[j]!));
        const out = c.fn(...all);
        return tf.sum(tf.mul(tf.reshape(out, [-1]), w));
      };
      try {
        grads = tf.grads(f)(floatIdx.map((k) => xs[k]!)).map((g) => g.dataSync() as Float32Array);
      } catch (e) {
        throw new Error(`[${backend}] ${(e as Error).message}`);
      }
    }
    return { forward: Float32Array.from(forward), grads: grads.map((g) => Float32Array.from(g)) };
  });
}

/**
 * The worst error of `actual` against `expected`, relative to max(|expected value|, rms(expected)):
 * relative per element, without blowing up where the reference is near zero.
 */
export function worstRelativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let ss = 0;
  for (const v of expected) ss += v * v;
  const rms = Math.sqrt(ss / Math.max(1, expected.length));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(Math.abs(expected[i]!), rms, 1e-30);
    const e = Math.abs(actual[i]! - expected[i]!) / scale;
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}
