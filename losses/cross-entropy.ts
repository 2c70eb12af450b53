import * as tf from '@tensorflow/tfjs-core';
import { fusedSoftmaxCrossEntropy } from '../core/fused/fused-ops.js';

/** PyTorch's float32 machine epsilon, which mmseg's weight_reduce_loss adds to avg_factor. */
const FLOAT32_EPS = 1.1920928955078125e-7;

/**
 * torch's `cross_entropy(logits, labels, reduction='none')` over the last axis: -log softmax(logits)[label] per
 * row. `labels` are int32 class indices of the logits' leading shape; the label is picked by a one-hot product
 * (a gather's gradient is missing on some backends). The RoI classifier (K + 1 classes with background) uses it.
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const numClasses = logits.shape[logits.rank - 1]!;
    return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits, -1), tf.oneHot(tf.cast(labels, 'int32'), numClasses)), -1));
  });
}

export interface CrossEntropyWithIgnoreOptions {
  /** Pixels with this label take no loss (mmseg 255). */
  ignoreIndex?: number;
  /**
   * mmseg 0.x `avg_non_ignore`: false (mmseg's default, and what the official UperNet configs train with)
   * averages over every pixel, ignored ones counting 0; true averages over the non-ignored pixels only
   * (+ float32 eps, as mmseg).
   */
  avgNonIgnore?: boolean;
}

/**
 * mmseg's CrossEntropyLoss (use_sigmoid=False, no class weights, reduction 'mean') on NHWC logits [n, h, w, K]
 * and labels [n, h, w] with an ignore index.
 */
export function crossEntropyWithIgnore(logits: tf.Tensor4D, labels: tf.Tensor3D, opts: CrossEntropyWithIgnoreOptions = {}): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[3];
    // One fused op: a batch-2 512² ADE20K step's logits are 300 MB, and the composite held five such tensors.
    const nll = fusedSoftmaxCrossEntropy(tf.reshape(logits, [-1, classes]), tf.reshape(labels, [-1]), opts.ignoreIndex ?? 255);
    return tf.div(tf.sum(nll), crossEntropyDenominator(labels, opts)) as tf.Scalar;
  });
}

/** What crossEntropyWithIgnore divides the summed per-pixel losses by: every pixel, or the non-ignored ones + eps. */
export function crossEntropyDenominator(labels: tf.Tensor3D, opts: CrossEntropyWithIgnoreOptions = {}): tf.Scalar {
  if (!opts.avgNonIgnore) return tf.scalar(labels.size);
  return tf.tidy(() => tf.add(tf.sum(tf.cast(tf.notEqual(labels, opts.ignoreIndex ?? 255), 'float32')), FLOAT32_EPS));
}
