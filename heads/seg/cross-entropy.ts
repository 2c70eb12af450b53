import * as tf from '@tensorflow/tfjs-core';

/** PyTorch's float32 machine epsilon, which mmseg's weight_reduce_loss adds to avg_factor. */
const FLOAT32_EPS = 1.1920928955078125e-7;

export interface SegCrossEntropyOptions {
  ignoreIndex?: number;
  /**
   * mmseg 0.x `avg_non_ignore`: false (mmseg's default, and what the official UperNet configs train with)
   * averages over every pixel, ignored ones counting 0; true averages over the non-ignored pixels only.
   */
  avgNonIgnore?: boolean;
}

/**
 * mmseg's CrossEntropyLoss (use_sigmoid=False, no class weights) on NHWC logits [n, h, w, K] and labels
 * [n, h, w] (int32; ignoreIndex marks pixels that take no loss).
 */
export function segCrossEntropy(logits: tf.Tensor4D, labels: tf.Tensor3D, opts: SegCrossEntropyOptions = {}): tf.Scalar {
  const ignoreIndex = opts.ignoreIndex ?? 255;
  return tf.tidy(() => {
    const numClasses = logits.shape[3];
    const valid = tf.notEqual(labels, ignoreIndex);
    const safeLabels = tf.where(valid, labels, tf.zerosLike(labels));
    const logProb = tf.logSoftmax(logits, -1);
    const picked = tf.sum(tf.mul(logProb, tf.oneHot(tf.cast(safeLabels, 'int32'), numClasses)), -1);
    const nll = tf.mul(tf.neg(picked), tf.cast(valid, 'float32'));
    const total = tf.sum(nll);
    if (!opts.avgNonIgnore) return tf.div(total, labels.size) as tf.Scalar;
    return tf.div(total, tf.add(tf.sum(tf.cast(valid, 'float32')), FLOAT32_EPS)) as tf.Scalar;
  });
}

/** mmseg's accuracy(topk=1, ignore_index) as a scalar tensor: percent of non-ignored pixels whose argmax is the label. */
export function segAccuracyTensor(logits: tf.Tensor4D, labels: tf.Tensor3D, ignoreIndex = 255): tf.Scalar {
  return tf.tidy(() => {
    const valid = tf.notEqual(labels, ignoreIndex);
    const hit = tf.logicalAnd(valid, tf.equal(tf.argMax(logits, -1), tf.cast(labels, 'int32')));
    const n = tf.sum(tf.cast(valid, 'float32'));
    return tf.div(tf.mul(tf.sum(tf.cast(hit, 'float32')), 100), tf.maximum(n, 1)) as tf.Scalar;
  });
}

/** segAccuracyTensor read back as a number (0 when every pixel is ignored). */
export function segAccuracy(logits: tf.Tensor4D, labels: tf.Tensor3D, ignoreIndex = 255): number {
  const t = segAccuracyTensor(logits, labels, ignoreIndex);
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}
