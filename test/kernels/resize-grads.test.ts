import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { Rng } from '../../core/rng.js';

// Resizing is linear in the image, so its gradient must be its exact adjoint:
// <resize(x), dy> = <x, resizeGrad(dy)> for every x and dy. That holds or fails independently of any
// reference backend (tfjs' own cpu and wasm gradients both ignore halfPixelCenters).
type Resize = (x: tf.Tensor4D) => tf.Tensor4D;
const CASES: [string, number[], Resize][] = [
  ['bilinear halfPixelCenters up (align_corners=False)', [2, 5, 7, 3], (x) => tf.image.resizeBilinear(x, [11, 9], false, true)],
  ['bilinear halfPixelCenters down', [1, 13, 10, 2], (x) => tf.image.resizeBilinear(x, [4, 6], false, true)],
  ['bilinear legacy (no halfPixelCenters)', [1, 5, 6, 2], (x) => tf.image.resizeBilinear(x, [9, 13], false, false)],
  ['bilinear alignCorners', [1, 4, 6, 2], (x) => tf.image.resizeBilinear(x, [7, 5], true, false)],
  ['nearest x2 (FPN, PyTorch nearest)', [1, 4, 5, 3], (x) => tf.image.resizeNearestNeighbor(x, [8, 10], false, false)],
  ['nearest halfPixelCenters odd size', [2, 5, 4, 2], (x) => tf.image.resizeNearestNeighbor(x, [7, 9], false, true)],
  ['nearest downsample halfPixelCenters', [1, 9, 8, 1], (x) => tf.image.resizeNearestNeighbor(x, [4, 3], false, true)],
];

function randn(n: number, rng: Rng): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('resize gradients are the adjoint of the forward', () => {
  beforeAll(async () => {
    await registerAllGradients();
    await initBackend('cpu', { quiet: true });
    await initBackend('wasm', { quiet: true });
  });

  for (const backend of ['cpu', 'wasm']) {
    CASES.forEach(([name, shape, resize], k) => {
      it(`${backend}: ${name}`, async () => {
        await tf.setBackend(backend);
        const rng = new Rng(77 + k);
        const xv = randn(shape.reduce((a, b) => a * b, 1), rng);
        const x = tf.tensor4d(xv, shape as [number, number, number, number]);
        const y = resize(x);
        const dyv = randn(y.size, rng);
        const dy = tf.tensor(dyv, y.shape);
        const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(resize(t as tf.Tensor4D), dy)))(x);
        expect(dx.shape).toEqual(shape);
        const lhs = dot(y.dataSync(), dyv);
        const rhs = dot(xv, dx.dataSync());
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-5 * Math.max(1, Math.abs(lhs)) * Math.sqrt(y.size));
        tf.dispose([x, y, dy, dx]);
      });
    });

    it(`${backend}: bilinear halfPixelCenters forward matches PyTorch align_corners=False`, async () => {
      await tf.setBackend(backend);
      // F.interpolate(torch.tensor([[0., 1.], [2., 3.]])[None, None], size=4, mode='bilinear', align_corners=False)
      const y = tf.image.resizeBilinear(tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]), [4, 4], false, true);
      const want = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3];
      Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
      y.dispose();
    });
  }
});
