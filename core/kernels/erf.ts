import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * Erf for wasm, in JS over the heap, with the same approximation tfjs' own kernels use (Abramowitz &
 * Stegun 7.1.26, |error| <= 1.5e-7, tfjs' backend_util.ERF_* constants).
 *
 * It exists because tfjs-backend-wasm 4.22's Erf costs ~50x a sigmoid; exact GELU (every MLP) calls it.
 */
export const erfKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const host = new KernelHost(backend);
  const out = host.allocFloat32([...x.shape]);
  const src = host.f32(x);
  const dst = host.f32(out);
  const { ERF_P: p, ERF_A1: a1, ERF_A2: a2, ERF_A3: a3, ERF_A4: a4, ERF_A5: a5 } = tf.backend_util;
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    const av = Math.abs(v);
    const t = 1 / (1 + p * av);
    const y = 1 - ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t * Math.exp(-av * av);
    dst[i] = v < 0 ? -y : y;
  }
  return out;
};
