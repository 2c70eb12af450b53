import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { nativeCasesRun } from './native-policy.js';
import { nativeKernelCounts, setNativeKernelsEnabled } from '../../core/native/kernel-fallback.js';
import { Rng } from '../../core/rng.js';
import { worstRelativeError } from '../kernels/compare-backends.js';

function values(n: number, seed: number, positive = false): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (positive ? 0.2 + Math.abs(rng.normal()) : rng.normal()));
}

interface BnCase {
  name: string;
  shape: number[];
  statShape: number[];
  affine: boolean;
  native: boolean;
}

const CASES: BnCase[] = [
  { name: 'NHWC [2, 5, 7, 6], per-channel statistics, scale and offset', shape: [2, 5, 7, 6], statShape: [6], affine: true, native: true },
  { name: 'NHWC [1, 33, 17, 32], no scale or offset', shape: [1, 33, 17, 32], statShape: [32], affine: false, native: true },
  { name: 'statistics of rank 4 go to the previous kernel', shape: [2, 3, 4, 5], statShape: [1, 1, 1, 5], affine: true, native: false },
];

function run(c: BnCase): Float32Array {
  const c0 = c.statShape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => {
    const x = tf.tensor(values(c.shape.reduce((a, b) => a * b, 1), 1), c.shape);
    const stat = (seed: number, positive = false) => tf.tensor(values(c0, seed, positive), c.statShape);
    const y = tf.batchNorm(x, stat(2), stat(3, true), c.affine ? stat(4) : undefined, c.affine ? stat(5, true) : undefined, 1e-5);
    return Float32Array.from(y.dataSync());
  });
}

describe.runIf(nativeCasesRun(import.meta.url))('native FusedBatchNorm', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
    await initBackend('wasm', { quiet: true });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      await tf.setBackend('cpu');
      setNativeKernelsEnabled(false);
      let ref: Float32Array;
      try {
        ref = run(c);
      } finally {
        setNativeKernelsEnabled(true);
      }
      const before = nativeKernelCounts().FusedBatchNorm ?? { native: 0, fallback: 0 };
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        expect(worstRelativeError(run(c), ref), backend).toBeLessThan(1e-5);
      }
      const after = nativeKernelCounts().FusedBatchNorm!;
      expect(after.native - before.native).toBe(c.native ? 2 : 0);
      expect(after.fallback - before.fallback).toBe(c.native ? 0 : 2);
    });
  }
});
