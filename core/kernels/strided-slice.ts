import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * StridedSlice for wasm: a JS copy over the heap (outer axes walked with an odometer, the innermost axis
 * copied with its stride), after tfjs' own slice_util resolves masks, negative indices and strides.
 *
 * It exists because tfjs-backend-wasm 4.22's StridedSlice costs ~300 ns per element with a stride of 2
 * (16 ns at stride 1), which made strided conv filter gradients (core/kernels/conv2d-backprop-filter.ts)
 * 15x slower than their matmuls.
 */
export const stridedSliceKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask } = attrs as unknown as tf.StridedSliceAttrs;
  const info = tf.slice_util.sliceInfo(x.shape, begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask);
  const host = new KernelHost(backend);
  if (info.isIdentity) {
    return host.keep(host.reshape(x, info.finalShape));
  }
  const outShape = tf.slice_util.computeOutShape(info.begin, info.end, info.strides);
  const out = host.allocFloat32Like({ ...x, shape: info.finalShape });
  const size = tf.util.sizeFromShape(outShape);
  if (size === 0) return out;
  const src = host.values(x);
  const dst = host.values(out);
  const rank = outShape.length;
  const inStrides = tf.util.computeStrides(x.shape);
  const strideOf = (a: number) => (a === rank - 1 ? 1 : inStrides[a]!);
  const inner = outShape[rank - 1]!;
  const innerStep = info.strides[rank - 1]! * strideOf(rank - 1);
  const idx = new Array<number>(Math.max(0, rank - 1)).fill(0);
  for (let o = 0; o < size; o += inner) {
    let s = info.begin[rank - 1]! * strideOf(rank - 1);
    for (let a = 0; a < rank - 1; a++) s += (info.begin[a]! + idx[a]! * info.strides[a]!) * strideOf(a);
    for (let j = 0; j < inner; j++, s += innerStep) dst[o + j] = src[s]!;
    for (let a = rank - 2; a >= 0; a--) {
      if (++idx[a]! < outShape[a]!) break;
      idx[a] = 0;
    }
  }
  return out;
};
