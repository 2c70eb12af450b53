import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from '../kernels/kernel-host.js';
import { withFallback } from './kernel-fallback.js';

/**
 * FusedBatchNorm over the last (channel) axis with per-channel statistics, as one threaded pass; other
 * layouts (statistics of x's rank, non-float32) go to the previous kernel.
 */
export const nativeFusedBatchNorm: tf.KernelFunc = withFallback('FusedBatchNorm', ({ inputs, backend, attrs }, addon) => {
  const { x, mean, variance, offset, scale } = inputs as Record<'x' | 'mean' | 'variance', tf.TensorInfo> & Partial<Record<'offset' | 'scale', tf.TensorInfo>>;
  const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
  const c = x.shape[x.shape.length - 1];
  const perChannel = (t: tf.TensorInfo | undefined) => t === undefined || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === c);
  if (x.dtype !== 'float32' || c === undefined || c === 0 || ![mean, variance, offset, scale].every(perChannel)) return undefined;
  const host = new KernelHost(backend);
  const out = host.allocFloat32([...x.shape]);
  addon.batchNormNhwc(
    host.f32(x), host.f32(mean), host.f32(variance), offset ? host.f32(offset) : null, scale ? host.f32(scale) : null,
    host.f32(out), varianceEpsilon,
  );
  return out;
});
