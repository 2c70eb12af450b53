import * as tf from '@tensorflow/tfjs-core';
import { REDUCE_OPS } from '../native-tensor-api.js';
import { nativeBackendKernel, newOutput, valuesOf } from './kernel-io.js';

/** x as [outer, reduce, inner] over a contiguous, sorted run of axes; undefined for other axis sets. */
function reductionView(shape: number[], axes: number[]): { outer: number; reduce: number; inner: number; first: number; last: number } | undefined {
  const sorted = [...new Set(axes)].sort((a, b) => a - b);
  if (sorted.length === 0 || sorted.some((a, i) => i > 0 && a !== sorted[i - 1]! + 1)) return undefined;
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  return {
    outer: tf.util.sizeFromShape(shape.slice(0, first)),
    reduce: tf.util.sizeFromShape(shape.slice(first, last + 1)),
    inner: tf.util.sizeFromShape(shape.slice(last + 1)),
    first,
    last,
  };
}

/** Max / Min over a contiguous run of axes (float32; NaN propagates as in the cpu kernel). */
function minMaxKernel(name: 'Max' | 'Min'): tf.KernelFunc {
  return nativeBackendKernel(name, ({ inputs, attrs }, addon, backend) => {
    const { x } = inputs as { x: tf.TensorInfo };
    // tfjs names the axes `reductionIndices` for Max but `axis` for Min.
    const { keepDims } = attrs as unknown as tf.MaxAttrs;
    const axes = name === 'Max' ? (attrs as unknown as tf.MaxAttrs).reductionIndices : (attrs as unknown as tf.MinAttrs).axis;
    if (x.dtype !== 'float32') return undefined;
    const v = reductionView(x.shape, tf.util.parseAxisParam(axes, x.shape));
    if (!v || v.reduce === 0) return undefined;
    const shape = keepDims ? x.shape.map((d, i) => (i >= v.first && i <= v.last ? 1 : d)) : x.shape.filter((_, i) => i < v.first || i > v.last);
    const out = newOutput(backend, shape, 'float32');
    addon.reduceAxes(REDUCE_OPS[name], valuesOf(backend, x) as Float32Array, out.values as Float32Array, v.outer, v.reduce, v.inner);
    return out.info;
  });
}

/** ArgMax / ArgMin along one axis (float32 in, int32 out; the first index of the extreme value). */
function argKernel(name: 'ArgMax' | 'ArgMin'): tf.KernelFunc {
  return nativeBackendKernel(name, ({ inputs, attrs }, addon, backend) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis } = attrs as unknown as tf.ArgMaxAttrs;
    if (x.dtype !== 'float32') return undefined;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const v = reductionView(x.shape, axes);
    if (!v || axes.length !== 1 || v.reduce === 0) return undefined;
    const out = newOutput(backend, x.shape.filter((_, i) => i !== v.first), 'int32');
    addon.reduceAxes(REDUCE_OPS[name], valuesOf(backend, x) as Float32Array, out.values as Int32Array, v.outer, v.reduce, v.inner);
    return out.info;
  });
}

/** Softmax over the last axis (the only one tfjs supports), one pass per row. */
const softmaxKernel = nativeBackendKernel('Softmax', ({ inputs, attrs }, addon, backend) => {
  const { logits } = inputs as { logits: tf.TensorInfo };
  const { dim } = attrs as unknown as tf.SoftmaxAttrs;
  const rank = logits.shape.length;
  if (logits.dtype !== 'float32' || rank === 0 || (dim !== -1 && dim !== rank - 1)) return undefined;
  const cols = logits.shape[rank - 1]!;
  if (cols === 0) return undefined;
  const out = newOutput(backend, [...logits.shape], 'float32');
  addon.softmaxRows(valuesOf(backend, logits) as Float32Array, out.values as Float32Array, tf.util.sizeFromShape(logits.shape) / cols, cols);
  return out.info;
});

export const REDUCE_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: 'Max', kernelFunc: minMaxKernel('Max') },
  { name: 'Min', kernelFunc: minMaxKernel('Min') },
  { name: 'ArgMax', kernelFunc: argKernel('ArgMax') },
  { name: 'ArgMin', kernelFunc: argKernel('ArgMin') },
  { name: 'Softmax', kernelFunc: softmaxKernel },
];
