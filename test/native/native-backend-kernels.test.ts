import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { NATIVE_ENV } from '../../core/native/addon.js';
import { Rng } from '../../core/rng.js';

/** Values of `f` computed on `backend` from the same host arrays (each input rebuilt there). */
async function on(backend: string, f: () => tf.Tensor | tf.Tensor[]): Promise<{ shape: number[]; dtype: string; values: number[] }[]> {
  await initBackend(backend, { quiet: true });
  return tf.tidy(() => {
    const out = f();
    return (Array.isArray(out) ? out : [out]).map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
  });
}

function data(seed: number, shape: number[]): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.normal()), shape);
}

/** The native backend's kernels against tfjs' stock cpu backend: same shape, dtype and values (1e-5 relative). */
const CASES: [string, () => tf.Tensor | tf.Tensor[]][] = [
  ['Add with broadcasting over two axes', () => tf.add(data(1, [2, 3, 4, 5]), data(2, [3, 1, 5]))],
  ['Sub, Mul, RealDiv, Maximum, SquaredDifference (scalar and row broadcast)', () => [tf.sub(data(1, [4, 6]), 0.5), tf.mul(data(1, [4, 6]), data(2, [1, 6])), tf.div(data(1, [4, 6]), tf.add(tf.abs(data(2, [4, 1])), 0.1)), tf.maximum(data(1, [4, 6]), data(2, [4, 6])), tf.squaredDifference(data(1, [4, 6]), data(3, [6]))]],
  ['comparisons and logical ops give bool', () => [tf.less(data(1, [3, 7]), data(2, [7])), tf.greaterEqual(data(1, [3, 7]), 0), tf.logicalAnd(tf.less(data(1, [3, 7]), 0), tf.greater(data(2, [3, 7]), 0))]],
  ['int32 Add and Equal', () => [tf.add(tf.tensor1d([1, 2, 3], 'int32'), tf.scalar(4, 'int32')), tf.equal(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([1, 0, 3], 'int32'))]],
  ['unary ops', () => { const x = data(4, [5, 9]); return [tf.exp(x), tf.log(tf.add(tf.abs(x), 0.1)), tf.sqrt(tf.abs(x)), tf.rsqrt(tf.add(tf.abs(x), 0.1)), tf.square(x), tf.relu(x), tf.relu6(tf.mul(x, 4)), tf.step(x, 0.2), tf.sigmoid(x), tf.tanh(x), tf.neg(x), tf.floor(x), tf.sign(x), tf.elu(x), tf.leakyRelu(x, 0.3), tf.clipByValue(x, -0.5, 0.7)]; }],
  ['Transpose, Slice, StridedSlice, Reverse, Tile, Pad', () => { const x = data(5, [2, 3, 4, 5]); return [tf.transpose(x, [0, 3, 1, 2]), tf.slice(x, [0, 1, 1, 2], [2, 2, 3, 2]), tf.stridedSlice(x, [0, 0, 1, 0], [2, 3, 4, 5], [1, 2, 2, 1]), tf.reverse(x, [1, 3]), tf.tile(data(6, [2, 3]), [2, 3]), tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]], 0.5)]; }],
  ['Concat, Stack, Split, Unstack, AddN, Select, Cast', () => { const a = data(7, [2, 3, 4]); const b = data(8, [2, 3, 4]); return [tf.concat([a, b], 2), tf.stack([a, b], 1), ...tf.split(a, [1, 3], 2), ...tf.unstack(a, 1), tf.addN([a, b, a]), tf.where(tf.less(a, b), a, b), tf.cast(tf.less(a, 0), 'float32'), tf.cast(tf.mul(a, 3), 'int32')]; }],
  ['Max, Min, ArgMax, ArgMin, Softmax', () => { const x = data(9, [3, 5, 7]); return [tf.max(x, 1), tf.min(x, 2), tf.max(x, [1, 2], true), tf.min(x, [0, 1]), tf.argMax(x, 1), tf.argMin(x, 0), tf.softmax(x)]; }],
  ['ResizeBilinear (align corners and half-pixel) and its gradient', () => {
    const x = data(10, [2, 5, 7, 3]);
    const up = tf.image.resizeBilinear(x as tf.Tensor4D, [11, 13], false, true);
    const ac = tf.image.resizeBilinear(x as tf.Tensor4D, [9, 4], true);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeBilinear(t as tf.Tensor4D, [11, 13], false, true), data(11, [2, 11, 13, 3]))))(x);
    return [up, ac, g];
  }],
];

describe.skipIf(process.env[NATIVE_ENV] === '0')('native backend kernels match the stock cpu backend', () => {
  beforeAll(async () => {
    await initBackend('native', { quiet: true });
    await registerAllGradients();
  });

  for (const [name, f] of CASES) {
    it(name, async () => {
      const ref = await on('cpu', f);
      const got = await on('native', f);
      expect(got.length).toBe(ref.length);
      ref.forEach((r, i) => {
        expect(got[i]!.shape, `output ${i}`).toEqual(r.shape);
        expect(got[i]!.dtype, `output ${i}`).toBe(r.dtype);
        const scale = Math.max(1e-6, ...r.values.map(Math.abs));
        const err = Math.max(0, ...r.values.map((v, k) => Math.abs(v - got[i]!.values[k]!)));
        expect(err / scale, `output ${i}`).toBeLessThan(1e-5);
      });
    });
  }
});
