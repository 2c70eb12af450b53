import * as tf from '@tensorflow/tfjs-core';

/** torch's `l1_loss(pred, target, reduction='none')`: |pred - target| element-wise (mmdet's L1Loss for boxes). */
export function l1Loss(pred: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.abs(tf.sub(pred, target)));
}

/**
 * mmdet's SmoothL1Loss (torch's `smooth_l1_loss(..., beta)`) element-wise: 0.5 d² / beta where d = |pred - target|
 * < beta, d - 0.5 beta elsewhere. beta 0 is L1.
 */
export function smoothL1Loss(pred: tf.Tensor, target: tf.Tensor, beta = 1.0): tf.Tensor {
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: beta must be >= 0, got ${beta}`);
  if (beta === 0) return l1Loss(pred, target);
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(pred, target));
    return tf.where(tf.less(d, beta), tf.div(tf.mul(tf.square(d), 0.5), beta), tf.sub(d, 0.5 * beta));
  });
}
