import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { ConvModule } from '../../core/layers/conv-module.js';
import { manualSeed } from '../../core/rng.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('ConvModule (mmcv defaults)', () => {
  it('conv with bias and ReLU by default; BN takes the bias away; names as mmcv', () => {
    manualSeed(0);
    const plain = new ConvModule(4, 6, 3, { padding: 1 });
    expect([...plain.stateDict().keys()]).toEqual(['conv.weight', 'conv.bias']);
    expect(plain.activate).not.toBeNull();
    const withBn = new ConvModule(4, 6, 1, { norm: true, act: false });
    expect([...withBn.stateDict().keys()]).toEqual(['conv.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(withBn.activate).toBeNull();
    const x = tf.tensor4d([-1, 2, -3, 4, 5, -6, 7, -8], [1, 1, 2, 4]);
    const y = plain.forward(x);
    expect(Math.min(...y.dataSync())).toBeGreaterThanOrEqual(0); // ReLU
    tf.dispose([x, y]);
    plain.dispose();
    withBn.dispose();
  });

  it('kaiming normal (fan_out, relu) init: std sqrt(2 / (out * k * k)), bias 0; skipped with kaimingInit false', () => {
    manualSeed(1);
    const m = new ConvModule(64, 128, 3);
    const w = m.conv.weight.dataSync();
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / (128 * 9)), 3);
    expect(Array.from(m.conv.bias!.dataSync()).every((b) => b === 0)).toBe(true);
    // Without it the conv keeps PyTorch's default (kaiming uniform, a = sqrt 5): bound 1 / sqrt(fan_in).
    const d = new ConvModule(64, 128, 3, { kaimingInit: false });
    const bound = 1 / Math.sqrt(64 * 9);
    const dw = d.conv.weight.dataSync();
    expect(Math.max(...dw.map(Math.abs))).toBeLessThanOrEqual(bound + 1e-7);
    expect(Math.max(...dw.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    m.dispose();
    d.dispose();
  });
});
