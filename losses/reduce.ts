import * as tf from '@tensorflow/tfjs-core';

/**
 * mmdet's weight_reduce_loss with an avg_factor: sum(loss * weight) / avgFactor. Weights of 0 drop elements
 * (unsampled anchors, background boxes); the factor is what mmdet divides by (the sampled count, the RoI count).
 */
export function weightedSum(loss: tf.Tensor, weight: tf.Tensor, avgFactor: number): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(loss, weight)), avgFactor) as tf.Scalar);
}
