import * as tf from '@tensorflow/tfjs-core';

/** Overwrite a freshly built parameter with host values (mmdet's init_cfg runs after construction too). */
export function assignParam(v: tf.Variable, values: Float32Array): void {
  const t = tf.tensor(values, v.shape, 'float32');
  v.assign(t);
  t.dispose();
}
