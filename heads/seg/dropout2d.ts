import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../../core/module.js';
import { maskNoise } from '../../core/layers/dropout.js';

/**
 * nn.Dropout2d on NHWC: zeroes whole channels of a sample (mask [n, 1, 1, c]), survivors scaled by 1/(1-p). Masks come
 * from the seeded dropout stream (core/layers/dropout.ts), so a seeded step is the same on every backend.
 */
export class Dropout2d extends Module implements Layer {
  constructor(readonly p = 0.1) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return tf.clone(x);
    return tf.tidy(() => {
      const [n, , , c] = x.shape as [number, number, number, number];
      const keep = tf.cast(tf.greaterEqual(maskNoise([n, 1, 1, c]), this.p), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.p)));
    });
  }
}
