import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { WASM_EXTRA_KERNELS, registerWasmExtraKernels } from '../../core/wasm-kernels.js';
import { replacedKernel, setNativeKernelsEnabled } from '../../core/native/kernel-fallback.js';
import { Rng } from '../../core/rng.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { worstRelativeError } from './compare-backends.js';

// Kernels the cpu backend has and wasm lacks that none of our models reach (complex numbers, FFT,
// ragged and string ops, einsum, drawing to a canvas).
const NOT_NEEDED = new Set([
  'Complex', 'ComplexAbs', 'Draw', 'Einsum', 'FFT', 'IFFT', 'Imag', 'Real',
  'RaggedGather', 'RaggedRange', 'RaggedTensorToTensor', 'StaticRegexReplace',
]);

function randn(shape: number[], seed: number, kind: 'normal' | 'negative' = 'normal'): { values: Float32Array; shape: number[] } {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return { shape, values: Float32Array.from({ length: n }, () => (kind === 'negative' ? -Math.abs(rng.normal()) - 0.01 : rng.normal())) };
}

/** Run one kernel directly on a backend, on host-side inputs. */
async function runKernel(backend: string, name: string, inputs: Record<string, { values: Float32Array | Int32Array; shape: number[] }>, attrs: object): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(inputs)) ts[k] = tf.tensor(v.values, v.shape, v.values instanceof Int32Array ? 'int32' : 'float32');
    const out = tf.engine().runKernel(name, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
    return Float32Array.from(out.dataSync());
  });
}

async function expectSameOnBothBackends(name: string, inputs: Parameters<typeof runKernel>[2], attrs: object): Promise<void> {
  const ref = await runKernel('cpu', name, inputs, attrs);
  const got = await runKernel('wasm', name, inputs, attrs);
  expect(got.length).toBe(ref.length);
  expect(worstRelativeError(got, ref)).toBeLessThan(1e-4);
}

// These kernels are what runs where the native addon is not built; with it, native kernels sit on top of
// some of them and hand them what they do not support. Native kernels are switched off here so that these
// kernels (and the stock cpu ones as the reference) are the ones measured; test/native covers the native ones.
describe('extra wasm kernels', () => {
  let nativeWas = true;
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
    await initBackend('wasm', { quiet: true });
    nativeWas = setNativeKernelsEnabled(false);
  });
  afterAll(() => {
    setNativeKernelsEnabled(nativeWas);
  });

  it('every kernel the cpu backend has and wasm lacks is registered, or listed as not needed', () => {
    const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    const missing = tf.getKernelsForBackend('cpu').map((k) => k.kernelName).filter((k) => !wasm.has(k) && !NOT_NEEDED.has(k));
    expect(missing).toEqual([]);
    for (const k of WASM_EXTRA_KERNELS) {
      const registered = tf.getKernel(k.name, 'wasm')?.kernelFunc;
      expect(registered === k.kernelFunc || replacedKernel(k.name, 'wasm') === k.kernelFunc, k.name).toBe(true);
    }
  });

  it('registration is idempotent', () => {
    const before = tf.getKernelsForBackend('wasm').length;
    registerWasmExtraKernels();
    registerWasmExtraKernels();
    expect(tf.getKernelsForBackend('wasm').length).toBe(before);
  });

  it('Conv2DBackpropFilter, 3x3 same, 24 -> 20 channels', async () => {
    await expectSameOnBothBackends('Conv2DBackpropFilter', { x: randn([2, 10, 11, 24], 1), dy: randn([2, 10, 11, 20], 2) },
      { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 24, 20] });
  });

  it('Conv2DBackpropFilter, 3x3 stride 2 explicit padding', async () => {
    await expectSameOnBothBackends('Conv2DBackpropFilter', { x: randn([1, 15, 16, 8], 3), dy: randn([1, 8, 8, 12], 4) },
      { strides: [2, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], dataFormat: 'NHWC', filterShape: [3, 3, 8, 12] });
  });

  it('Conv2DBackpropInput, 3x3 stride 1 and 2, 16 -> 24 channels', async () => {
    await expectSameOnBothBackends('Conv2DBackpropInput', { dy: randn([2, 9, 10, 24], 21), filter: randn([3, 3, 16, 24], 22) },
      { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 10, 16] });
    await expectSameOnBothBackends('Conv2DBackpropInput', { dy: randn([1, 5, 5, 24], 23), filter: randn([3, 3, 16, 24], 24) },
      { strides: [2, 2], pad: [[0, 0], [1, 1], [1, 1], [0, 0]], dataFormat: 'NHWC', inputShape: [1, 10, 9, 16] });
  });

  it('DepthwiseConv2dNativeBackpropFilter and Input, 3x3, 64 channels (LePE / CPE shape)', async () => {
    const attrs = { strides: [1, 1], dilations: [1, 1], pad: 'same', filterShape: [3, 3, 64, 1], inputShape: [2, 14, 13, 64] };
    await expectSameOnBothBackends('DepthwiseConv2dNativeBackpropFilter', { x: randn([2, 14, 13, 64], 5), dy: randn([2, 14, 13, 64], 6) }, attrs);
    await expectSameOnBothBackends('DepthwiseConv2dNativeBackpropInput', { dy: randn([2, 14, 13, 64], 7), filter: randn([3, 3, 64, 1], 8) }, attrs);
  });

  it('DepthwiseConv2dNative backprops, 5x5 stride 2 multiplier 2', async () => {
    const attrs = { strides: [2, 2], dilations: [1, 1], pad: 'same', filterShape: [5, 5, 6, 2], inputShape: [1, 11, 12, 6] };
    await expectSameOnBothBackends('DepthwiseConv2dNativeBackpropFilter', { x: randn([1, 11, 12, 6], 9), dy: randn([1, 6, 6, 12], 10) }, attrs);
    await expectSameOnBothBackends('DepthwiseConv2dNativeBackpropInput', { dy: randn([1, 6, 6, 12], 11), filter: randn([5, 5, 6, 2], 12) }, attrs);
  });

  it('UnsortedSegmentSum sums rows by id and drops out-of-range ids', async () => {
    const ids = { values: Int32Array.from([0, 3, 2, 2, 3, 1, 1, 0]), shape: [8] };
    await expectSameOnBothBackends('UnsortedSegmentSum', { x: randn([8, 3, 5], 13), segmentIds: ids }, { numSegments: 4 });
    await tf.setBackend('wasm');
    const y = tf.unsortedSegmentSum(tf.tensor2d([[1, 2], [3, 4], [5, 6]]), tf.tensor1d([1, 1, 5], 'int32'), 3);
    expect(Array.from(y.dataSync())).toEqual([0, 0, 4, 6, 0, 0]);
    y.dispose();
  });

  it('Reverse keeps int32 and bool values', async () => {
    await tf.setBackend('wasm');
    const i = tf.reverse(tf.tensor2d([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32'), [0, 1]);
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.dataSync())).toEqual([6, 5, 4, 3, 2, 1]);
    const b = tf.reverse(tf.tensor1d([true, false, false], 'bool'));
    expect(Array.from(b.dataSync())).toEqual([0, 0, 1]);
    tf.dispose([i, b]);
  });

  it('StridedSlice with a shrink axis: x[1, 0:6:2, :] (tfjs-backend-cpu 4.22 gets this one wrong)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor3d(Array.from({ length: 72 }, (_, i) => i), [4, 6, 3]);
    const y = tf.stridedSlice(x, [1, 0, 0], [2, 6, 3], [1, 2, 1], 0, 0, 0, 0, 1);
    expect(y.shape).toEqual([3, 3]);
    expect(Array.from(y.dataSync())).toEqual([18, 19, 20, 24, 25, 26, 30, 31, 32]);
    const z = tf.stridedSlice(tf.tensor1d([0, 1, 2, 3, 4, 5, 6], 'int32'), [-1], [0], [-3]);
    expect(z.dtype).toBe('int32');
    expect(Array.from(z.dataSync())).toEqual([6, 3]);
    tf.dispose([x, y, z]);
  });

  it('Erf matches exact values (as PyTorch computes them) to float32 precision', async () => {
    await tf.setBackend('wasm');
    // math.erf in Python (double precision).
    const cases: [number, number][] = [
      [0, 0], [0.001, 0.0011283787909692363], [-0.1, -0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
      [1.2345, 0.9191623964135658], [2, 0.9953222650189527], [-2.75, -0.999899378077880], [3.5, 0.9999992569016276], [6, 1],
    ];
    const y = tf.erf(tf.tensor1d(cases.map(([x]) => x)));
    Array.from(y.dataSync()).forEach((v, i) => expect(Math.abs(v - cases[i]![1]), `erf(${cases[i]![0]})`).toBeLessThan(2e-7));
    const special = tf.erf(tf.tensor1d([Number.NaN, Infinity, -Infinity]));
    const s = Array.from(special.dataSync());
    expect(Number.isNaN(s[0])).toBe(true);
    expect(s.slice(1)).toEqual([1, -1]);
    tf.dispose([y, special]);
  });

  it('MaxPoolGrad on all-negative inputs, overlapping 3x3 stride 2 windows with padding', async () => {
    const x = randn([2, 9, 10, 4], 14, 'negative');
    await tf.setBackend('cpu');
    const out = tf.tidy(() => Float32Array.from(tf.maxPool(tf.tensor4d(x.values, x.shape as [number, number, number, number]), 3, 2, 'same').dataSync()));
    const outShape = [2, 5, 5, 4];
    await expectSameOnBothBackends('MaxPoolGrad', { dy: randn(outShape, 15), input: x, output: { values: out, shape: outShape } },
      { filterSize: [3, 3], strides: [2, 2], pad: 'same' });
  });

  it('Identity shares the input memory, and the clone outlives the original (tensors saved for backward)', async () => {
    await registerAllGradients();
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { getMemoryOffset(id: unknown): number };
    const x = tf.tensor2d([1, -2, 3, 4.5, 5, 6], [2, 3]);
    const y = tf.clone(x);
    expect(backend.getMemoryOffset(y.dataId)).toBe(backend.getMemoryOffset(x.dataId));
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, -2, 3, 4.5, 5, 6]);
    // A gradient whose forward saved tensors by Identity, after the inputs are gone from the forward scope.
    const a = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.square(t), tf.sigmoid(t))))(a);
    const expected = [0.5, -1, 2].map((v) => {
      const sg = 1 / (1 + Math.exp(-v));
      return 2 * v * sg + v * v * sg * (1 - sg);
    });
    Array.from(g.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    tf.dispose([y, a, g]);
  });
});
