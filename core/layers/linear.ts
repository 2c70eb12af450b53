import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { torchDefaultWeight } from '../init.js';

/** y = x W^T + b over the last axis; weight kept as [in, out] so the matmul needs no transpose. */
export class Linear extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, bias = true) {
    super();
    this.weight = this.registerParameter('weight', torchDefaultWeight([inFeatures, outFeatures], inFeatures), [inFeatures, outFeatures], 'linear');
    this.bias = bias ? this.registerParameter('bias', torchDefaultWeight([outFeatures], inFeatures), [outFeatures]) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const flat = tf.reshape(x, [-1, this.inFeatures]) as tf.Tensor2D;
      const y = this.bias
        ? tf.fused.matMul({ a: flat, b: this.weight as tf.Tensor2D, bias: this.bias })
        : tf.matMul(flat, this.weight as tf.Tensor2D);
      return tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}
