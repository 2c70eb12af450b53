import * as tf from '@tensorflow/tfjs-core';

/**
 * The global L2 norm of all gradients (torch.nn.utils.clip_grad_norm_'s total_norm): one reduction over every
 * gradient and one read back. NaN or Infinity when any gradient is (or when the sum of squares overflows).
 */
export function globalGradNorm(grads: tf.NamedTensorMap): number {
  const names = Object.keys(grads);
  if (names.length === 0) return 0;
  const normT = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))));
  const totalNorm = (normT.dataSync() as Float32Array)[0]!;
  normT.dispose();
  return totalNorm;
}

/**
 * torch.nn.utils.clip_grad_norm_ (L2): scale every gradient by min(1, maxNorm / (totalNorm + 1e-6)).
 * Returns the new gradients (the caller disposes the old ones) and the total norm before clipping; pass
 * `totalNorm` when it is already known (the train step computes it once for its finiteness check).
 */
export function clipGradNorm(grads: tf.NamedTensorMap, maxNorm: number, totalNorm = globalGradNorm(grads)): { grads: tf.NamedTensorMap; totalNorm: number } {
  const names = Object.keys(grads);
  if (names.length === 0) return { grads, totalNorm: 0 };
  const coef = Math.min(1, maxNorm / (totalNorm + 1e-6));
  const out: tf.NamedTensorMap = {};
  for (const n of names) out[n] = tf.mul(grads[n]!, coef);
  return { grads: out, totalNorm };
}

/** The names of the gradients holding NaN or ±Infinity (read only after the global norm came out non-finite). */
export function nonFiniteGradients(grads: tf.NamedTensorMap): string[] {
  return Object.keys(grads).filter((n) => {
    const finite = tf.tidy(() => tf.all(tf.isFinite(grads[n]!)));
    const ok = finite.dataSync()[0] === 1;
    finite.dispose();
    return !ok;
  });
}
