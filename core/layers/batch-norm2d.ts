import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { constant } from '../init.js';

/**
 * nn.BatchNorm2d on NHWC. Training: normalise with the batch's biased variance and update the running
 * statistics with the unbiased one (momentum 0.1), as PyTorch; eval: the running statistics.
 */
export class BatchNorm2d extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly numBatchesTracked: tf.Variable;

  constructor(readonly numFeatures: number, readonly eps = 1e-5, readonly momentum = 0.1) {
    super();
    this.weight = this.registerParameter('weight', constant([numFeatures], 1), [numFeatures]);
    this.bias = this.registerParameter('bias', constant([numFeatures], 0), [numFeatures]);
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([numFeatures]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (!this.training) {
        return tf.batchNorm(x, this.runningMean, this.runningVar, this.bias, this.weight, this.eps);
      }
      const axes = [0, 1, 2];
      const { mean, variance } = tf.moments(x, axes);
      const n = x.size / this.numFeatures;
      // Running statistics never feed the output, so no gradient flows through their update.
      const m = mean;
      const unbiased = tf.mul(variance, n / Math.max(n - 1, 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - this.momentum), tf.mul(m, this.momentum)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - this.momentum), tf.mul(unbiased, this.momentum)));
      this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
      const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(xhat, this.weight), this.bias);
    });
  }
}
