import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compositeSoftmaxCrossEntropy, fusedSoftmaxCrossEntropy, fusedSoftmaxCrossEntropyGrad } from '../../core/fused/fused-ops.js';
import { Rng } from '../../core/rng.js';
import { resizedCrossEntropyWithIgnore } from '../../heads/seg/resized-cross-entropy.js';
import { resizeBilinear } from '../../heads/seg/resize-bilinear.js';
import { segAccuracy } from '../../heads/seg/accuracy.js';
import { nativeCasesRun } from '../native/native-policy.js';
import { expectClose, onCpu, onPath, PATHS, setUpBackends } from '../fused/fused-harness.js';
import { initBackend } from '../../core/backend.js';

const nativeCases = nativeCasesRun(import.meta.url);

beforeAll(async () => {
  await setUpBackends();
  if (nativeCases) await initBackend('native', { quiet: true, training: true });
});

// Rows of logits with labels: an ignored row (255) and one outside [0, classes) (-> 0 loss and gradient, as the one-hot composite).
const ROWS = [
  [0.5, -1.0, 2.0],
  [1.5, 0.2, -0.3],
  [0.0, 0.0, 0.0],
  [-2.0, 1.0, 0.5],
  [3.0, 1.0, -4.0],
];
const LABELS = [2, 255, 1, 0, 7];
const DNLL = [0.5, 1, -2, 0.25, 1];

/** By hand in float64: -log softmax at the label, and dNll (softmax - onehot). */
function byHand(): { nll: number[]; grad: number[] } {
  const nll: number[] = [];
  const grad: number[] = [];
  ROWS.forEach((row, r) => {
    const l = LABELS[r]!;
    const counted = l !== 255 && l >= 0 && l < row.length;
    const sum = row.reduce((s, v) => s + Math.exp(v), 0);
    nll.push(counted ? Math.log(sum) - row[l]! : 0);
    row.forEach((v, j) => grad.push(counted ? DNLL[r]! * (Math.exp(v) / sum - (j === l ? 1 : 0)) : 0));
  });
  return { nll, grad };
}

function runFused(): { nll: Float32Array; grad: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor2d(ROWS.flat(), [ROWS.length, 3]);
    const labels = tf.tensor1d(LABELS, 'int32');
    const nll = fusedSoftmaxCrossEntropy(x, labels, 255).dataSync() as Float32Array;
    const grad = fusedSoftmaxCrossEntropyGrad(x, labels, tf.tensor1d(DNLL), 255).dataSync() as Float32Array;
    return { nll, grad };
  });
}

describe('fused softmax cross-entropy with ignore index (the decode heads\' loss)', () => {
  const expected = byHand();
  // torch 1.13 F.cross_entropy(reduction='none', ignore_index=255) on the first four rows: [0.241311, 0, 1.098612, 3.504597].
  it('the by-hand values are torch\'s', () => {
    expect(expected.nll[0]).toBeCloseTo(0.241311, 5);
    expect(expected.nll[2]).toBeCloseTo(1.098612, 5);
    expect(expected.nll[3]).toBeCloseTo(3.504597, 5);
  });

  for (const path of PATHS) {
    const skip = path.name.includes('native') && !nativeCases;
    it.skipIf(skip)(`${path.name}: per-row losses and the logits' gradient equal the float64 formulas`, async () => {
      const got = await onPath(path, runFused);
      expect(got).toBeDefined();
      expectClose(got!.nll, Float32Array.from(expected.nll), 'nll', 1e-6);
      expectClose(got!.grad, Float32Array.from(expected.grad), 'gradient', 1e-6);
      // Ignored and out-of-range rows: exactly zero.
      expect(got!.nll[1]).toBe(0);
      expect(got!.nll[4]).toBe(0);
      expect([...got!.grad.slice(3, 6), ...got!.grad.slice(12, 15)].every((v) => v === 0)).toBe(true);
    });
  }

  it('the composite fallback (backends without the kernel) gives the same values', async () => {
    const got = await onCpu(() =>
      tf.tidy(() => compositeSoftmaxCrossEntropy(tf.tensor2d(ROWS.flat(), [ROWS.length, 3]), tf.tensor1d(LABELS, 'int32'), 255).dataSync() as Float32Array),
    );
    expectClose(got, Float32Array.from(expected.nll), 'composite nll', 1e-6);
  });
});

/** Small logits, labels at 4x the size with some ignored pixels. */
function resizeCase(): { logits: tf.Tensor4D; labels: tf.Tensor3D } {
  const rng = new Rng(7);
  const [n, h, w, k] = [2, 5, 6, 11];
  const logits = tf.tensor4d(Float32Array.from({ length: n * h * w * k }, () => rng.normal() * 2), [n, h, w, k]);
  const labels = tf.tensor3d(Int32Array.from({ length: n * 20 * 24 }, () => (rng.uniform() < 0.1 ? 255 : Math.floor(rng.uniform() * k))), [n, 20, 24], 'int32');
  return { logits, labels };
}

/** The loss as two taped ops (resize, then the composite CE mean), its gradient by tfjs, and the accuracy. */
function twoOps(avgNonIgnore: boolean): { loss: number; accuracy: number; grad: Float32Array } {
  return tf.tidy(() => {
    const { logits, labels } = resizeCase();
    const f = (x: tf.Tensor4D) => {
      const up = resizeBilinear(x, [20, 24]);
      const nll = compositeSoftmaxCrossEntropy(tf.reshape(up, [-1, 11]) as tf.Tensor2D, tf.reshape(labels, [-1]) as tf.Tensor1D, 255);
      const denom = avgNonIgnore ? tf.add(tf.sum(tf.cast(tf.notEqual(labels, 255), 'float32')), 1.1920928955078125e-7) : tf.scalar(labels.size);
      return tf.mul(tf.div(tf.sum(nll), denom), 0.4) as tf.Scalar;
    };
    const { value, grad } = tf.valueAndGrad(f)(logits);
    return { loss: value.dataSync()[0]!, accuracy: segAccuracy(resizeBilinear(logits, [20, 24]), labels), grad: grad.dataSync() as Float32Array };
  });
}

function oneOp(avgNonIgnore: boolean): { loss: number; accuracy: number; grad: Float32Array } {
  return tf.tidy(() => {
    const { logits, labels } = resizeCase();
    let accuracy = NaN;
    const { value, grad } = tf.valueAndGrad((x: tf.Tensor4D) => {
      const r = resizedCrossEntropyWithIgnore(x, labels, { ignoreIndex: 255, avgNonIgnore });
      accuracy = r.accuracy;
      return tf.mul(r.loss, 0.4) as tf.Scalar;
    })(logits);
    return { loss: value.dataSync()[0]!, accuracy, grad: grad.dataSync() as Float32Array };
  });
}

describe('resizedCrossEntropyWithIgnore: resize + CE as one op that recomputes the resized logits in its backward pass', () => {
  const backends = ['cpu', 'wasm', ...(nativeCases ? ['native'] : [])];
  for (const backend of backends) {
    for (const avgNonIgnore of [false, true]) {
      it(`${backend}, avg_non_ignore=${avgNonIgnore}: loss, accuracy and gradient equal resize then CE taped as two ops`, async () => {
        await tf.setBackend(backend);
        const before = tf.memory().numTensors;
        const want = twoOps(avgNonIgnore);
        const got = oneOp(avgNonIgnore);
        expect(tf.memory().numTensors).toBe(before);
        expect(got.loss).toBeGreaterThan(1);
        expect(Math.abs(got.loss - want.loss)).toBeLessThan(1e-5 * want.loss);
        expect(got.accuracy).toBe(want.accuracy);
        expect(got.accuracy).toBeGreaterThan(0);
        expectClose(got.grad, want.grad, 'gradient of the small logits', 1e-4);
      });
    }
  }
});
