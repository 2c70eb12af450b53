import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { constant } from '../init.js';

/** nn.LayerNorm over the last axis (the channel axis of NHWC tensors), biased variance as PyTorch. */
export class LayerNorm extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly normalizedShape: number, readonly eps = 1e-5) {
    super();
    this.weight = this.registerParameter('weight', constant([normalizedShape], 1), [normalizedShape]);
    this.bias = this.registerParameter('bias', constant([normalizedShape], 0), [normalizedShape]);
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const { mean, variance } = tf.moments(x, axis, true);
      const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(xhat, this.weight), this.bias);
    });
  }
}
