import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { nativeKernelCounts } from '../../core/native/kernel-fallback.js';
import { nativeCasesRun } from './native-policy.js';

describe.runIf(nativeCasesRun(import.meta.url))('native kernels on cpu-backend storage', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  // The cpu backend keeps a Cast from bool in its Uint8Array; a native reduction must still read it as float32.
  it('Mean of a float32 tensor that the cpu backend stores as bytes', () => {
    const before = nativeKernelCounts().Mean?.native ?? 0;
    const x = tf.tensor1d([0.1, 0.7, 0.2, 0.9, 0.4, 0.6, 0.3]);
    const frac = tf.mean(tf.cast(tf.less(x, 0.5), 'float32'));
    expect(frac.dataSync()[0]).toBeCloseTo(4 / 7, 6);
    const sum = tf.sum(tf.cast(tf.less(x, 0.5), 'float32'));
    expect(sum.dataSync()[0]).toBe(4);
    expect(nativeKernelCounts().Mean?.native ?? 0).toBe(before + 1);
    tf.dispose([x, frac, sum]);
  });
});
