import * as tf from '@tensorflow/tfjs-core';

/**
 * torch.nn.utils.clip_grad_norm_ (L2): scale every gradient by min(1, maxNorm / (totalNorm + 1e-6)).
 * Returns the new gradients (the caller disposes the old ones) and the total norm before clipping.
 */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; totalNorm: number } {
  const names = Object.keys(grads);
  if (names.length === 0) return { grads, totalNorm: 0 };
  const normT = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))));
  const totalNorm = (normT.dataSync() as Float32Array)[0]!;
  normT.dispose();
  const coef = Math.min(1, maxNorm / (totalNorm + 1e-6));
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = tf.mul(grads[n]!, coef);
  return { grads: out, totalNorm };
}
