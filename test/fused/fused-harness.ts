import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { Rng } from '../../core/rng.js';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { nativeFusedCompute, useFusedCompute, type FusedCompute } from '../../core/fused/fused-compute.js';
import { JS_FUSED_COMPUTE } from '../../core/fused/js-fused-compute.js';

/** Host values of one input, so every backend and implementation sees the same numbers. */
export interface HostInput {
  shape: number[];
  values: Float32Array;
}

export function randomInput(shape: number[], seed: number, lo = -3, hi = 3): HostInput {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: n }, () => rng.uniform(lo, hi)) };
}

export interface Results {
  outputs: Float32Array[];
  /** Gradient of sum_i sum(outputs[i] * weights[i]) with respect to each input listed in `wrt`. */
  grads: Float32Array[];
}

/**
 * Forward values and gradients of `f` on the current backend: the upstream gradient of each output is a
 * fixed random weighting (seeded), so every element's path through the backward pass is exercised.
 */
export function evaluate(f: (xs: tf.Tensor[]) => tf.Tensor[], inputs: HostInput[], wrt: number[], seed = 99): Results {
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, 'float32'));
    const outs = f(xs);
    const weights = outs.map((o, k) => tf.tensor(randomInput(o.shape, seed + k, -1, 1).values, o.shape));
    const loss = (...chosen: tf.Tensor[]) => {
      const all = xs.map((x, i) => (wrt.includes(i) ? chosen[wrt.indexOf(i)]! : x));
      return tf.addN(f(all).map((o, k) => tf.sum(tf.mul(o, weights[k]!)))) as tf.Scalar;
    };
    const grads = tf.grads(loss)(wrt.map((i) => xs[i]!));
    return { outputs: outs.map((o) => o.dataSync() as Float32Array), grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

/**
 * Relative closeness: |a - b| <= tol (|b| + 0.01 max|b|). The small floor, relative to the tensor's scale,
 * absorbs the reference's own float error where values pass through zero (tfjs' erf is good to 1.5e-7).
 */
export function expectClose(actual: Float32Array, expected: Float32Array, what: string, tol = 1e-4): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const excess = Math.abs(actual[i]! - expected[i]!) - tol * (Math.abs(expected[i]!) + 0.01 * scale);
    if (!(excess <= worstExcess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  expect(worst, `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (scale ${scale})`).toBe(-1);
  expect(scale, `${what}: reference is all zeros`).toBeGreaterThan(0);
}

export function expectResultsClose(actual: Results, expected: Results, what: string): void {
  expect(actual.outputs.length).toBe(expected.outputs.length);
  actual.outputs.forEach((o, i) => expectClose(o, expected.outputs[i]!, `${what} output ${i}`));
  expect(actual.grads.length).toBe(expected.grads.length);
  actual.grads.forEach((g, i) => expectClose(g, expected.grads[i]!, `${what} gradient ${i}`));
}

export interface Path {
  name: string;
  backend: 'wasm' | 'cpu';
  compute: () => FusedCompute | undefined;
}

export const PATHS: Path[] = (['wasm', 'cpu'] as const).flatMap((backend) => [
  { name: `${backend} js`, backend, compute: () => JS_FUSED_COMPUTE },
  { name: `${backend} native`, backend, compute: () => nativeFusedCompute() },
]);

export async function setUpBackends(): Promise<void> {
  await initBackend('cpu', { quiet: true });
  await initBackend('wasm', { quiet: true });
  await registerAllGradients();
}

/** Reference on the stock cpu backend: the composite formula uses only tfjs' own kernels. */
export async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend('cpu');
  return f();
}

/** Run `f` on the path's backend with its implementation; false if the path is native and not built. */
export async function onPath<T>(path: Path, f: () => T): Promise<T | undefined> {
  const compute = path.compute();
  if (compute === undefined) return undefined;
  await tf.setBackend(path.backend);
  useFusedCompute(compute);
  try {
    return f();
  } finally {
    useFusedCompute(undefined);
  }
}
