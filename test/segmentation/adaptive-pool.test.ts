import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { AdaptiveAvgPool2d, adaptiveBins } from '../../heads/seg/adaptive-avg-pool.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('adaptive average pooling (PyTorch bin edges)', () => {
  it('bins are [floor(i*in/out), ceil((i+1)*in/out)) on odd sizes', () => {
    // Hand-computed from PyTorch's start/end index rule.
    expect(adaptiveBins(7, 3)).toEqual([[0, 3], [2, 5], [4, 7]]);
    expect(adaptiveBins(5, 6)).toEqual([[0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 5]]);
    expect(adaptiveBins(5, 2)).toEqual([[0, 3], [2, 5]]);
    expect(adaptiveBins(13, 6)).toEqual([[0, 3], [2, 5], [4, 7], [6, 9], [8, 11], [10, 13]]);
    expect(adaptiveBins(9, 1)).toEqual([[0, 9]]);
  });

  it('matches F.adaptive_avg_pool2d on a 5x7 map for scales 1, 2, 3, 6', () => {
    const x = Array.from({ length: 35 }, (_, i) => (i * i) % 11);
    // Values printed by torch 1.13 F.adaptive_avg_pool2d on the same input (NCHW [1,1,5,7]).
    const expected: Record<number, number[]> = {
      1: [3.8],
      2: [4.416667, 3.916667, 3.916667, 4.0],
      3: [3.833333, 3.833333, 2.666667, 4.111111, 3.333333, 4.444444, 3.166667, 4.666667, 3.166667],
      6: [0.5, 2.5, 6.5, 7.0, 4.0, 3.0, 3.75, 4.5, 4.5, 3.75, 2.25, 2.75, 7.0, 5.25, 2.75, 2.25, 3.75, 4.5, 3.75, 2.25, 2.75, 5.25, 7.0, 5.25, 2.25, 3.75, 4.5, 4.5, 3.75, 2.25, 4.0, 7.0, 6.5, 2.5, 0.5, 0.5],
    };
    const input = tf.tensor4d(x, [1, 5, 7, 1]);
    for (const s of [1, 2, 3, 6]) {
      const y = new AdaptiveAvgPool2d(s).forward(input);
      expect(y.shape).toEqual([1, s, s, 1]);
      const got = Array.from(y.dataSync());
      got.forEach((v, i) => expect(v).toBeCloseTo(expected[s]![i]!, 5));
      y.dispose();
    }
    input.dispose();
  });

  it('pools each channel of a batch independently', () => {
    // Two images, two channels: channel 1 is channel 0 times -2, image 1 is image 0 plus 10.
    const base = Array.from({ length: 15 }, (_, i) => i);
    const data: number[] = [];
    for (const off of [0, 10]) for (const v of base) data.push(v + off, -2 * (v + off));
    const y = new AdaptiveAvgPool2d(2).forward(tf.tensor4d(data, [2, 3, 5, 2]));
    // Bins for 3 -> 2: rows [0,2), [1,3); for 5 -> 2: columns [0,3), [2,5). Mean of v = 5r + c over a bin.
    const mean = (r0: number, r1: number, c0: number, c1: number) => {
      let s = 0;
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += 5 * r + c;
      return s / ((r1 - r0) * (c1 - c0));
    };
    const m = [mean(0, 2, 0, 3), mean(0, 2, 2, 5), mean(1, 3, 0, 3), mean(1, 3, 2, 5)];
    const expected: number[] = [];
    for (const off of [0, 10]) for (const v of m) expected.push(v + off, -2 * (v + off));
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });
});
