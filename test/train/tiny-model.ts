import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { Module } from '../../core/module.js';
import { Dropout, LayerNorm, Linear } from '../../core/layers/index.js';
import { Rng, defaultRng } from '../../core/rng.js';
import type { ExperimentConfig } from '../../configs/types.js';
import { MLLA_DETECTION_PARAMWISE } from '../../configs/types.js';
import type { LossTerms, TrainableModel } from '../../models/types.js';
import type { TrainData } from '../../train/runner.js';

/** A small regression batch in host memory, like the collated batches of the real data path. */
export interface TinyBatch {
  x: Float32Array; // n * 3
  y: Float32Array; // n
  n: number;
}

/**
 * A two-layer regressor whose forward also draws from the global Rng (as samplers do) and applies dropout in
 * training, to test that resume replays both kinds of randomness.
 */
export class TinyModel extends Module implements TrainableModel<TinyBatch> {
  readonly fc1 = this.registerModule('fc1', new Linear(3, 8));
  readonly drop = this.registerModule('drop', new Dropout(0.3));
  readonly norm = this.registerModule('norm', new LayerNorm(8));
  readonly fc2 = this.registerModule('fc2', new Linear(8, 1));

  forwardTrain(b: TinyBatch): LossTerms {
    const noise = defaultRng().uniform(0.9, 1.1);
    const x = tf.tensor2d(b.x, [b.n, 3]);
    const y = tf.tensor2d(b.y, [b.n, 1]);
    const h = this.norm.forward(this.drop.forward(tf.relu(this.fc1.forward(x))));
    const pred = this.fc2.forward(h);
    const err = tf.sub(pred, y);
    return {
      loss_mse: tf.mul(tf.mean(tf.square(err)), noise) as tf.Scalar,
      loss_l1: tf.mul(tf.mean(tf.abs(err)), 0.1) as tf.Scalar,
      acc: tf.mean(tf.cast(tf.less(tf.abs(err), 0.5), 'float32')) as tf.Scalar, // logged, not differentiated
    };
  }
}

/** 10 samples of y = x0 - 2 x1 + 0.5 x2, batches of 2, shuffled per epoch from (seed, epoch). */
export function tinyData(seed: number, onBatch?: (epoch: number, index: number) => void): TrainData<TinyBatch> {
  const rng = new Rng(123);
  const xs = Array.from({ length: 10 }, () => [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)]);
  const bs = 2;
  return {
    batchesPerEpoch: 5,
    *epochBatches(epoch: number, start: number) {
      const order = new Rng(seed * 1000 + epoch).shuffle([...xs.keys()]);
      for (let i = start; i < 5; i++) {
        onBatch?.(epoch, i);
        const idx = order.slice(i * bs, (i + 1) * bs);
        yield {
          n: bs,
          x: Float32Array.from(idx.flatMap((k) => xs[k]!)),
          y: Float32Array.from(idx.map((k) => xs[k]![0]! - 2 * xs[k]![1]! + 0.5 * xs[k]![2]!)),
        };
      }
    },
  };
}

export function tinyConfig(over: Partial<ExperimentConfig['runner']> = {}): ExperimentConfig {
  const split = { annFile: null, imgPrefix: '', segPrefix: null, pipeline: [] };
  return {
    name: 'tiny',
    task: 'detection',
    model: {},
    data: { type: 'none', root: '', classes: null, samplesPerGpu: 2, workersPerGpu: 0, train: split, val: split, test: split },
    optimizer: { type: 'AdamW', lr: 0.02, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05, paramwise: MLLA_DETECTION_PARAMWISE, gradClip: { maxNorm: 1.0 } },
    lrConfig: { policy: 'step', step: [1], gamma: 0.5, byEpoch: true, minLr: null, warmup: { type: 'linear', iters: 4, ratio: 0.1 } },
    runner: { type: 'iter', max: 8, evalInterval: 0, checkpointInterval: 100, logInterval: 2, ...over },
    evaluation: { metrics: [] },
    seed: 7,
    backboneWeights: null,
    customImports: [],
    customHooks: [],
  };
}

/** For a test file: the cpu backend, and a maker of temporary folders removed after its tests. */
export function useCpuAndTmpDirs(prefix: string): () => string {
  const dirs: string[] = [];
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
}
