import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../../core/module.js';
import { dropoutMaskNoise } from '../../core/layers/dropout.js';

/**
 * nn.Dropout2d on NHWC: zeroes whole channels of a sample (mask [n, 1, 1, c]), survivors scaled by 1/(1-p). Its mask comes
 * from the seeded dropout stream, so seeded segmentation training repeats exactly and resumes exactly.
 */
export class Dropout2d extends Module implements Layer {
  constructor(readonly p = 0.1) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return tf.clone(x);
    return tf.tidy(() => {
      const [n, , , c] = x.shape as [number, number, number, number];
      const keep = tf.cast(tf.greaterEqual(dropoutMaskNoise([n, 1, 1, c]), this.p), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.p)));
    });
  }
}
