import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { segAccuracy } from '../../heads/seg/accuracy.js';
import { crossEntropyWithIgnore as segCrossEntropy } from '../../losses/cross-entropy.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

// Four pixels (2x2), three classes; pixel (0,1) is ignored (255).
const PIXELS = [
  [0.5, -1.0, 2.0],
  [1.5, 0.2, -0.3],
  [0.0, 0.0, 0.0],
  [-2.0, 1.0, 0.5],
];
const LABELS = [2, 255, 1, 0];

function nll(row: number[], label: number): number {
  const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
  return lse - row[label]!;
}

describe('softmax cross-entropy with ignore_index 255 (mmseg CrossEntropyLoss)', () => {
  const logits = () => tf.tensor4d(PIXELS.flat(), [1, 2, 2, 3]);
  const labels = () => tf.tensor3d(LABELS, [1, 2, 2], 'int32');
  // By hand: -log softmax at the label; torch 1.13 F.cross_entropy(reduction='none') prints
  // [0.241311, 0 (ignored), 1.098612, 3.504597].
  const perPixel = [nll(PIXELS[0]!, 2), 0, nll(PIXELS[2]!, 1), nll(PIXELS[3]!, 0)];

  it('per-pixel values agree with PyTorch', () => {
    expect(perPixel[0]).toBeCloseTo(0.241311, 5);
    expect(perPixel[2]).toBeCloseTo(Math.log(3), 6);
    expect(perPixel[3]).toBeCloseTo(3.504597, 5);
  });

  it('mmseg default (avg_non_ignore=False): the sum over all pixels divided by every pixel, ignored ones included', () => {
    const loss = segCrossEntropy(logits(), labels());
    expect(loss.dataSync()[0]).toBeCloseTo((perPixel[0]! + perPixel[2]! + perPixel[3]!) / 4, 5);
    expect(loss.dataSync()[0]).toBeCloseTo(1.211130, 5); // torch: loss.mean() of reduction='none'
  });

  it('avg_non_ignore=True: divided by the non-ignored pixels only (as F.cross_entropy mean)', () => {
    const loss = segCrossEntropy(logits(), labels(), { avgNonIgnore: true });
    expect(loss.dataSync()[0]).toBeCloseTo(1.614840, 5);
  });

  it('an all-ignored label map gives 0 loss, not NaN', () => {
    const all = tf.fill([1, 2, 2], 255, 'int32') as tf.Tensor3D;
    expect(segCrossEntropy(logits(), all).dataSync()[0]).toBe(0);
    expect(segCrossEntropy(logits(), all, { avgNonIgnore: true }).dataSync()[0]).toBe(0);
  });

  it('accuracy counts argmax hits over non-ignored pixels, in percent', () => {
    // argmax: p0 -> 2 (hit), p2 -> 0 (label 1, miss: ties go to the first), p3 -> 1 (label 0, miss).
    expect(segAccuracy(logits(), labels())).toBeCloseTo(100 / 3, 4);
  });
});
