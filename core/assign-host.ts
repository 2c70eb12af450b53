import * as tf from '@tensorflow/tfjs-core';

/** Overwrite a variable with host values (re-initialisation, loading); the temporary tensor is released here. */
export function assignFromHost(v: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, v.shape, 'float32');
  v.assign(t);
  t.dispose();
}
