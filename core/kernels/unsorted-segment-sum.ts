import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * UnsortedSegmentSum: out[segmentIds[i], ...] += x[i, ...]; ids outside [0, numSegments) are dropped,
 * as TensorFlow does. The gradient of gather (embedding tables, index_select) goes through it.
 *
 * It exists because tfjs-backend-wasm 4.22 lacks this kernel. A scatter-add has no wasm counterpart,
 * so it is a JS loop over the backend's memory (heap views on wasm).
 */
export const unsortedSegmentSumKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (x.dtype !== 'float32') throw new Error(`core/kernels/unsorted-segment-sum: only float32 is supported, got ${x.dtype}`);
  const idsShape = segmentIds.shape;
  if (!idsShape.every((d, i) => d === x.shape[i])) {
    throw new Error(`core/kernels/unsorted-segment-sum: segmentIds shape [${idsShape}] is not a prefix of x shape [${x.shape}]`);
  }
  const count = tf.util.sizeFromShape(idsShape);
  const inner = tf.util.sizeFromShape(x.shape.slice(idsShape.length));
  const host = new KernelHost(backend);
  const out = host.allocFloat32([numSegments, ...x.shape.slice(idsShape.length)]);
  const xs = host.f32(x);
  const ids = host.values(segmentIds);
  const ys = host.f32(out);
  ys.fill(0);
  for (let i = 0; i < count; i++) {
    const seg = ids[i]!;
    if (seg < 0 || seg >= numSegments) continue;
    const src = i * inner;
    const dst = seg * inner;
    for (let j = 0; j < inner; j++) ys[dst + j] = ys[dst + j]! + xs[src + j]!;
  }
  return out;
};
