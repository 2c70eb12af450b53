import * as tf from '@tensorflow/tfjs-core';

/**
 * torch's `binary_cross_entropy_with_logits(x, t, reduction='none')`, element-wise, in the numerically stable
 * form max(x, 0) - x t + log(1 + exp(-|x|)) (no overflow for large |x|). mmdet's CrossEntropyLoss with
 * use_sigmoid (the RPN objectness) and mask_cross_entropy (the mask head) reduce it.
 */
export function binaryCrossEntropyWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}
