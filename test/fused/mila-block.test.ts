import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { MllaBlock } from '../../backbones/mila/block.js';
import { manualSeed } from '../../core/rng.js';
import { registerFusedKernels } from '../../core/fused/register-fused-kernels.js';
import { FUSED } from '../../core/fused/kernel-names.js';
import { clearRopeCache } from '../../backbones/mila/rope.js';
import { nativeCasesRun } from '../native/native-policy.js';
import { expectClose, onPath, PATHS, randomInput, setUpBackends } from './fused-harness.js';

const SHAPE = [2, 9, 7, 16];

interface BlockResult {
  output: Float32Array;
  grads: Map<string, Float32Array>;
}

/** One MILA block (2 heads of 8, odd map) built from a fixed seed: output and gradients of sum(y * w). */
function runBlock(): BlockResult {
  manualSeed(11);
  const block = new MllaBlock({ dim: 16, numHeads: 2, ropeResolution: [9, 7], mlpRatio: 4, qkvBias: true, drop: 0, dropPath: 0 });
  const x = tf.variable(tf.tensor(randomInput(SHAPE, 12, -2, 2).values, SHAPE));
  const weights = tf.tensor(randomInput(SHAPE, 13, -1, 1).values, SHAPE);
  const named = [...block.namedParameters()];
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(block.forward(x as unknown as tf.Tensor4D), weights)), [x, ...named.map(([, p]) => p)]);
  const output = tf.tidy(() => block.forward(x as unknown as tf.Tensor4D).dataSync() as Float32Array);
  const result = new Map<string, Float32Array>([['input', grads[x.name]!.dataSync() as Float32Array]]);
  for (const [name, p] of named) result.set(name, grads[p.name]!.dataSync() as Float32Array);
  tf.dispose([value, x, weights, ...Object.values(grads)]);
  block.dispose();
  clearRopeCache();
  return { output, grads: result };
}

const nativeCases = nativeCasesRun(import.meta.url);

describe('a MILA block with the fused ops equals the unfused block (stock cpu backend)', () => {
  let expected: BlockResult;

  beforeAll(async () => {
    await setUpBackends();
    await tf.setBackend('cpu');
    // The unfused block: without the kernels the ops compose tfjs' own.
    for (const name of Object.values(FUSED)) tf.unregisterKernel(name, 'cpu');
    try {
      expected = runBlock();
    } finally {
      registerFusedKernels('cpu');
    }
  });

  for (const path of PATHS) {
    it.skipIf(path.name.endsWith('native') && !nativeCases)(`${path.name}: output and the gradients of the input and every parameter`, async () => {
      const got = await onPath(path, runBlock);
      expect(got, `${path.name}: implementation missing`).toBeDefined();
      expectClose(got!.output, expected.output, 'block output');
      expect([...got!.grads.keys()]).toEqual([...expected.grads.keys()]);
      for (const [name, g] of got!.grads) expectClose(g, expected.grads.get(name)!, `gradient of ${name}`);
    });
  }
});
