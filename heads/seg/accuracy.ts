import * as tf from '@tensorflow/tfjs-core';

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
