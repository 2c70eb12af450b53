import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { nativeStatus } from '../../core/native/addon.js';
import { nativeKernelAddon } from '../../core/native/native-api.js';
import { nativeKernelCounts, replacedKernel, setNativeKernelsEnabled } from '../../core/native/kernel-fallback.js';
import { WASM_EXTRA_KERNELS } from '../../core/wasm-kernels.js';
import { NATIVE_KERNELS } from '../../core/native/native-kernels.js';
import { makeInputs, runCase, worstRelativeError } from '../kernels/compare-backends.js';
import { nativeCasesRun } from './native-policy.js';
import { CONV_CASES, DEPTHWISE_CASES, MATMUL_CASES, SUM_CASES, type NativeCase } from './native-cases.js';


describe.runIf(nativeCasesRun(import.meta.url))('native kernels match the stock cpu backend (forward and gradients, 1e-4 relative)', () => {
  beforeAll(async () => {
    expect(nativeKernelAddon(), `native addon: ${nativeStatus()}`).toBeDefined();
    await registerAllGradients();
    await initBackend('cpu', { quiet: true });
    await initBackend('wasm', { quiet: true });
  });

  it('replaces every kernel it should on both backends', () => {
    for (const backend of ['cpu', 'wasm']) {
      for (const { name, kernelFunc } of NATIVE_KERNELS) {
        expect(tf.getKernel(name, backend)?.kernelFunc, `${name} on ${backend}`).toBe(kernelFunc);
      }
    }
    // On wasm, what they fall back to is our JS/wasm kernel where there is one, not the stock kernel.
    const natives = new Set(NATIVE_KERNELS.map((k) => k.name));
    const chained = WASM_EXTRA_KERNELS.filter((k) => natives.has(k.name));
    expect(chained.length).toBeGreaterThan(0);
    for (const k of chained) expect(replacedKernel(k.name, 'wasm'), k.name).toBe(k.kernelFunc);
  });

  const check = (c: NativeCase, k: number) => async () => {
    const inputs = makeInputs(c, 7000 + k);
    setNativeKernelsEnabled(false);
    let ref;
    try {
      ref = await runCase(c, inputs, 'cpu');
    } finally {
      setNativeKernelsEnabled(true);
    }
    const before = nativeKernelCounts();
    for (const backend of ['cpu', 'wasm']) {
      const got = await runCase(c, inputs, backend);
      expect(worstRelativeError(got.forward, ref.forward), `forward on ${backend}`).toBeLessThan(1e-4);
      expect(got.grads.length).toBe(ref.grads.length);
      got.grads.forEach((g, i) => expect(worstRelativeError(g, ref.grads[i]!), `gradient of input ${i} on ${backend}`).toBeLessThan(1e-4));
    }
    if (!c.forwardOnly) expect(ref.grads.length).toBeGreaterThan(0);
    const after = nativeKernelCounts();
    for (const name of c.kernels) {
      const ran = (after[name]?.native ?? 0) - (before[name]?.native ?? 0);
      expect(ran, `${name} computed natively on both backends`).toBeGreaterThanOrEqual(2);
    }
  };

  describe('matmul', () => MATMUL_CASES.forEach((c, k) => it(c.name, check(c, k))));
  describe('conv2d', () => CONV_CASES.forEach((c, k) => it(c.name, check(c, 100 + k))));
  describe('depthwise', () => DEPTHWISE_CASES.forEach((c, k) => it(c.name, check(c, 200 + k))));
  describe('sum', () => SUM_CASES.forEach((c, k) => it(c.name, check(c, 300 + k))));

  it('falls back to the previous kernel for what it does not compute (prelu, int32, split sum axes)', () => {
    const before = nativeKernelCounts()['_FusedMatMul']?.fallback ?? 0;
    tf.setBackend('cpu');
    const y = tf.tidy(() =>
      tf.fused.matMul({ a: tf.tensor2d([[1, -2]]), b: tf.tensor2d([[1], [1]]), activation: 'prelu', preluActivationWeights: tf.tensor1d([0.5]) }),
    );
    expect(Array.from(y.dataSync())).toEqual([-0.5]);
    y.dispose();
    expect(nativeKernelCounts()['_FusedMatMul']!.fallback).toBe(before + 1);
    const i = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]], undefined, 'int32'), tf.tensor2d([[3], [4]], undefined, 'int32')));
    expect(Array.from(i.dataSync())).toEqual([11]);
    i.dispose();
    // Axes 0 and 2 are not one contiguous run: the previous Sum kernel.
    const sumFallbacks = nativeKernelCounts()['Sum']?.fallback ?? 0;
    const s = tf.tidy(() => tf.sum(tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), [0, 2]));
    expect(Array.from(s.dataSync())).toEqual([1 + 2 + 5 + 6, 3 + 4 + 7 + 8]);
    s.dispose();
    expect(nativeKernelCounts()['Sum']!.fallback).toBe(sumFallbacks + 1);
  });
});
