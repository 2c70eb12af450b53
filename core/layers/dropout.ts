import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';

/** Element-wise dropout with inverted scaling, active only in training. */
export class Dropout extends Module implements Layer {
  constructor(readonly p = 0.5) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x.clone();
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape), this.p), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.p)));
    });
  }
}

/** Stochastic depth (timm's DropPath): drops whole samples of a residual branch, scaling survivors by 1/keep. */
export class DropPath extends Module implements Layer {
  constructor(readonly dropProb = 0) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.dropProb === 0) return x.clone();
    return tf.tidy(() => {
      const keepProb = 1 - this.dropProb;
      const shape = [x.shape[0]!, ...new Array<number>(x.rank - 1).fill(1)];
      const keep = tf.floor(tf.add(tf.randomUniform(shape), keepProb));
      return tf.mul(x, tf.div(keep, keepProb));
    });
  }
}
