import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from '../kernels/kernel-host.js';
import { withFallback } from './kernel-fallback.js';

/**
 * Sum (or Mean) of a float32 tensor over one contiguous run of axes, by the addon (threads, float runs
 * added in double). The hot Sum is the bias gradient of every fused matmul: dY [tokens, N] summed over the
 * tokens, which wasm computes as a transpose plus a single-threaded reduction (~15% of a training step);
 * the hot Mean is over tokens too. Other axis sets and dtypes go to the previous kernel.
 */
function reduceKernel(kernelName: 'Sum' | 'Mean'): tf.KernelFunc {
  return withFallback(kernelName, ({ inputs, backend, attrs }, addon) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    if (x.dtype !== 'float32') return undefined;
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    if (axes.length === 0 || axes.some((a, i) => i > 0 && a !== axes[i - 1]! + 1)) return undefined;
    const first = axes[0]!;
    const last = axes[axes.length - 1]!;
    const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
    const reduce = tf.util.sizeFromShape(x.shape.slice(first, last + 1));
    const inner = tf.util.sizeFromShape(x.shape.slice(last + 1));
    const outShape = keepDims
      ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : x.shape.filter((_, i) => i < first || i > last);
    const host = new KernelHost(backend);
    const out = host.allocFloat32(outShape);
    try {
      addon.sumAxes(host.f32(x), host.f32(out), outer, reduce, inner, kernelName === 'Mean' ? 1 / reduce : 1);
    } catch (e) {
      host.backend.disposeData(out.dataId);
      throw e;
    }
    return out;
  });
}

export const nativeSum = reduceKernel('Sum');
export const nativeMean = reduceKernel('Mean');
