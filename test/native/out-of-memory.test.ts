import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { UserError } from '../../core/errors.js';
import { NATIVE_ENV } from '../../core/native/addon.js';
import { asNativeBackend } from '../../core/native-backend/native-backend.js';
import { TensorMemoryError } from '../../core/native-backend/tensor-memory.js';
import { manualSeed } from '../../core/rng.js';
import type { LossTerms } from '../../models/types.js';
import { Runner } from '../../train/runner.js';
import { outOfMemoryError } from '../../train/out-of-memory.js';
import { TinyModel, tinyConfig, tinyData, type TinyBatch } from '../train/tiny-model.js';

const ctx = { config: 'upernet_mila_t_512x512_160k_ade20k', iteration: 3, backend: 'wasm', batchShape: [2, 512, 683, 3], useCheckpoint: false };

describe('out of memory in a training step', () => {
  it("wasm's trap becomes one line naming config, iteration, batch, image size and what would fit", () => {
    const e = outOfMemoryError(new WebAssembly.RuntimeError('memory access out of bounds'), ctx);
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toMatch(/^upernet_mila_t_512x512_160k_ade20k: out of memory in training iteration 3 \(batch 2 of 683x512 images, backend wasm\)/);
    expect(msg).toContain("wasm backend's 4 GB heap");
    for (const fix of ['model.backbone.useCheckpoint=true', 'data.samplesPerGpu=1', 'smaller image scale', 'native backend']) expect(msg).toContain(fix);
    // emscripten's abort is recognised too; with checkpointing on and batch 1 those settings are not suggested again.
    const abort = outOfMemoryError(new Error('Aborted(). Build with -sASSERTIONS for more info.'), { ...ctx, useCheckpoint: true, batchShape: [1, 512, 512, 3] });
    expect((abort as Error).message).not.toMatch(/useCheckpoint|samplesPerGpu/);
  });

  it('the native backend reports bytes needed against bytes available; other errors pass unchanged', () => {
    const e = outOfMemoryError(new TensorMemoryError(3 * 2 ** 30, 20 * 2 ** 30, 21 * 2 ** 30), { ...ctx, backend: 'native' });
    expect((e as Error).message).toContain('3.0 GB more needed with 20.0 GB in use, 21.0 GB available');
    expect((e as Error).message).not.toContain('native backend (');
    const other = new Error('shapes do not match');
    expect(outOfMemoryError(other, ctx)).toBe(other);
  });
});

/** TinyModel whose step also holds a 4 MB activation, more than the test's memory limit. */
class BigActivationModel extends TinyModel {
  override forwardTrain(b: TinyBatch): LossTerms {
    const terms = super.forwardTrain(b);
    const big = tf.mul(tf.ones([1024, 1024]), tf.reshape(this.fc2.bias!, []));
    return { ...terms, loss_big: tf.mul(tf.mean(big), 0) as tf.Scalar };
  }
}

describe.skipIf(process.env[NATIVE_ENV] === '0')('the native backend past its memory limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mila-oom-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the runner stops with the one-line error at the failing iteration and writes no checkpoint', async () => {
    await initBackend('native', { quiet: true });
    const memory = asNativeBackend(tf.backend())!.memoryManager;
    const limit = memory.limitBytes;
    memory.limitBytes = 2 ** 20;
    memory.currentlyAvailableBytes();
    try {
      manualSeed(1);
      const model = new BigActivationModel();
      const runner = new Runner({ model, data: tinyData(7), config: tinyConfig({ checkpointInterval: 1 }), workDir: dir, log: () => {}, progressBar: false });
      await expect(runner.run()).rejects.toThrow(/^tiny: out of memory in training iteration 1 \(its batch, backend native\): 4 MB more needed with .* in use, .* available; .*No checkpoint was written/);
      expect(readdirSync(dir).filter((f) => f.startsWith('iter_'))).toEqual([]);
      runner.dispose();
      model.dispose();
    } finally {
      memory.limitBytes = limit;
      memory.currentlyAvailableBytes();
    }
  });
});
