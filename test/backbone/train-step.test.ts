import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { manualSeed } from '../../core/rng.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';

const backendName = process.env.MILA_TEST_BACKEND ?? 'wasm';

describe(`one training step of a tiny MILA backbone (${backendName})`, () => {
  beforeAll(async () => {
    await initBackend(backendName, { quiet: true });
    await registerAllGradients();
    expect(tf.getBackend()).toBe(backendName);
  });

  it('forward, scalar loss, variableGrads, Adam update: no tensor leaks, every parameter gets a gradient', () => {
    manualSeed(7);
    const model = new MilaBackbone({ embedDim: 8, depths: [1, 1, 1, 1], numHeads: [1, 1, 2, 2], dropPathRate: 0.1 }).train();
    const optimizer = tf.train.adam(1e-3);
    const x = tf.randomNormal([2, 36, 44, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const trainable = model.parameters();

    const step = (): { loss: number; gradNames: string[] } => {
      const { value, grads } = tf.variableGrads(() => {
        const outs = model.forward(x);
        return tf.addN(outs.map((o) => tf.mean(tf.square(o)))) as tf.Scalar;
      }, trainable);
      const loss = value.dataSync()[0]!;
      const gradNames = Object.keys(grads);
      optimizer.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
      return { loss, gradNames };
    };

    // The first step creates Adam's moment variables and the RoPE tables for these sizes (both kept on purpose).
    const first = step();
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(first.gradNames.length).toBe(trainable.length);
    const before = tf.memory().numTensors;
    const w0 = model.patchEmbed.conv1.conv.weight.dataSync().slice();
    const second = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(second.loss)).toBe(true);
    // The update moved the weights (Adam's first step changes each by about lr).
    const w1 = model.patchEmbed.conv1.conv.weight.dataSync();
    let maxChange = 0;
    for (let i = 0; i < w1.length; i++) maxChange = Math.max(maxChange, Math.abs(w1[i]! - w0[i]!));
    expect(maxChange).toBeGreaterThan(1e-4);
    expect(maxChange).toBeLessThan(3e-3);
    // BatchNorm in training mode counted both steps.
    expect(model.stateDict().get('patch_embed.conv1.norm.num_batches_tracked')!.data[0]).toBe(2n);
    tf.dispose(x);
    optimizer.dispose();
    model.dispose();
  });
});
