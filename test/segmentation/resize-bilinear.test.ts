import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { resizeBilinear } from '../../heads/seg/resize-bilinear.js';

function resize1d(values: number[], outSize: number): number[] {
  const x = tf.tensor4d(values, [1, 1, values.length, 1]);
  const y = resizeBilinear(x, [1, outSize]);
  const out = Array.from(y.dataSync());
  x.dispose();
  y.dispose();
  return out;
}

const GRID = [1, 4, 2, 8, 3, 0, 5, 7, 6, 2, 9, 1];

for (const backend of ['cpu', 'wasm']) {
  describe(`bilinear resize, align_corners=False (${backend})`, () => {
    it('upsamples 2 -> 4 and 3 -> 5 as the half-pixel rule gives by hand', async () => {
      await initBackend(backend, { quiet: true });
      // src = max((dst + 0.5) * in/out - 0.5, 0); the far neighbour clamps to the last sample.
      expectClose(resize1d([0, 10], 4), [0, 2.5, 7.5, 10]);
      expectClose(resize1d([0, 10, 20], 5), [0, 4, 10, 16, 20]);
    });

    it('downsamples 5 -> 2 without antialiasing (two taps)', async () => {
      await initBackend(backend, { quiet: true });
      expectClose(resize1d([0, 1, 2, 3, 4], 2), [0.75, 3.25]);
    });

    it('matches F.interpolate on a 3x4 grid resized to 5x3 and 2x7', async () => {
      await initBackend(backend, { quiet: true });
      const x = tf.tensor4d(GRID, [1, 3, 4, 1]);
      // Printed by torch 1.13 F.interpolate(mode='bilinear', align_corners=False).
      expectClose(Array.from(resizeBilinear(x, [5, 3]).dataSync()), [1.5, 3.0, 7.0, 1.9, 2.8, 6.866667, 2.5, 2.5, 6.666667, 4.2, 4.300001, 4.066666, 5.333333, 5.5, 2.333333]);
      expectClose(Array.from(resizeBilinear(x, [2, 7]).dataSync()), [1.5, 2.035714, 2.892857, 2.875, 3.107144, 5.964287, 7.75, 5.25, 3.910714, 1.767857, 4.750001, 7.607143, 4.464285, 2.5]);
      x.dispose();
    });
  });
}

describe('bilinear resize gradient', () => {
  it('is the transpose of the interpolation (not tfjs ResizeBilinearGrad, which ignores half-pixel centres)', async () => {
    await initBackend('cpu', { quiet: true });
    // y = [x0, .75x0 + .25x1, .25x0 + .75x1, x1]; with dy = [1, 2, 3, 4]: dx0 = 1 + 1.5 + .75, dx1 = .5 + 2.25 + 4.
    const dy = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(resizeBilinear(x as tf.Tensor4D, [1, 4]), dy)))(tf.tensor4d([3, -1], [1, 1, 2, 1]));
    expectClose(Array.from(g.dataSync()), [3.25, 6.75]);
    // Downsampling 5 -> 2: outputs take .25/.75 of x0/x1 and .75/.25 of x3/x4.
    const dy2 = tf.tensor4d([2, 10], [1, 1, 2, 1]);
    const g2 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(resizeBilinear(x as tf.Tensor4D, [1, 2]), dy2)))(tf.zeros([1, 1, 5, 1]));
    expectClose(Array.from(g2.dataSync()), [0.5, 1.5, 0, 7.5, 2.5]);
  });
});

afterAll(async () => {
  await initBackend('cpu', { quiet: true });
});

function expectClose(got: number[], want: number[], digits = 5): void {
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, digits));
}
