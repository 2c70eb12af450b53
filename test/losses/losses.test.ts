/**
 * The loss functions against values computed with PyTorch 1.13 by hand (float64, printed to 7 digits):
 * torch.nn.functional.binary_cross_entropy_with_logits / cross_entropy / l1_loss / smooth_l1_loss with
 * reduction='none' on the inputs below.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { binaryCrossEntropyWithLogits, crossEntropyWithIgnore, l1Loss, smoothL1Loss, softmaxCrossEntropy, weightedSum } from '../../losses/index.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  await registerAllGradients();
});

function values(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

function expectClose(got: number[], want: number[], digits = 5): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(g, `element ${i}`).toBeCloseTo(want[i]!, digits));
}

describe('binaryCrossEntropyWithLogits', () => {
  const x = () => tf.tensor2d([[-3, -0.5, 0], [0.25, 2, 40]]);
  const t = () => tf.tensor2d([[0, 1, 1], [0, 1, 0]]);

  it('is element-wise BCE with logits, stable at large logits', () => {
    // x = 40, t = 0: 40 + log(1 + e^-40) = 40 (a naive log(1 - sigmoid(40)) is -inf in float32).
    expectClose(values(binaryCrossEntropyWithLogits(x(), t())), [0.0485874, 0.974077, 0.6931472, 0.8259394, 0.126928, 40.0]);
  });

  it('reduces as mmdet with weights and an average factor', () => {
    const w = tf.tensor2d([[1, 0, 1], [1, 1, 0.5]]);
    // (0.0485874 + 0.6931472 + 0.8259394 + 0.126928 + 0.5 * 40) / 4
    expect(weightedSum(binaryCrossEntropyWithLogits(x(), t()), w, 4).dataSync()[0]).toBeCloseTo(5.4236505, 5);
  });

  it('has the gradient sigmoid(x) - t', () => {
    const g = tf.grad((v: tf.Tensor) => tf.sum(binaryCrossEntropyWithLogits(v, tf.tensor1d([0, 1]))))(tf.tensor1d([0, 2]));
    expectClose(values(g), [0.5, 1 / (1 + Math.exp(-2)) - 1]);
  });
});

describe('softmaxCrossEntropy', () => {
  const logits = () => tf.tensor2d([[2, 1, 0.1, -1], [0, 0, 0, 0], [-1, 3, 0.5, 0.5]]);

  it('is -log softmax at the label, per row', () => {
    // Row 1: uniform over 4 classes, log 4 = 1.3862944.
    expectClose(values(softmaxCrossEntropy(logits(), tf.tensor1d([0, 3, 2], 'int32'))), [0.449313, 1.3862944, 2.6676187]);
  });

  it('with weights 0 for a row and the mean over the others, equals torch ignore_index', () => {
    const ce = softmaxCrossEntropy(logits(), tf.tensor1d([0, 0, 2], 'int32'));
    // torch: F.cross_entropy(logits, [0, -100, 2], ignore_index=-100) = 1.5584658.
    expect(weightedSum(ce, tf.tensor1d([1, 0, 1]), 2).dataSync()[0]).toBeCloseTo(1.5584658, 5);
  });
});

describe('crossEntropyWithIgnore (mmseg CrossEntropyLoss)', () => {
  // The same three rows as pixels of a 1x1x3 map, plus one ignored pixel.
  const logits = () => tf.tensor4d([2, 1, 0.1, -1, 0, 0, 0, 0, -1, 3, 0.5, 0.5, 9, 9, 9, 9], [1, 2, 2, 4]);
  const labels = () => tf.tensor3d([0, 3, 2, 255], [1, 2, 2], 'int32');
  const sum = 0.449313 + 1.3862944 + 2.6676187;

  it('averages over every pixel by default (avg_non_ignore=False), the ignored one counting 0', () => {
    expect(crossEntropyWithIgnore(logits(), labels()).dataSync()[0]).toBeCloseTo(sum / 4, 5);
  });

  it('averages over the labelled pixels with avgNonIgnore', () => {
    expect(crossEntropyWithIgnore(logits(), labels(), { avgNonIgnore: true }).dataSync()[0]).toBeCloseTo(sum / 3, 5);
  });
});

describe('l1Loss and smoothL1Loss', () => {
  const p = () => tf.tensor1d([0.5, -1, 2, 0.05]);
  const q = () => tf.tensor1d([0, 1, 2, -0.05]);

  it('l1 is |pred - target|', () => {
    expectClose(values(l1Loss(p(), q())), [0.5, 2, 0, 0.1]);
  });

  it('smooth L1 is quadratic below beta and linear above, as torch', () => {
    expectClose(values(smoothL1Loss(p(), q(), 1)), [0.125, 1.5, 0, 0.005]);
    expectClose(values(smoothL1Loss(p(), q(), 1 / 9)), [0.4444444, 1.9444444, 0, 0.045]);
    expectClose(values(smoothL1Loss(p(), q(), 0)), [0.5, 2, 0, 0.1]);
    expect(() => smoothL1Loss(p(), q(), -1)).toThrow('beta must be >= 0');
  });
});
