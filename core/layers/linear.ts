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
      const y = this.bias ? affine(flat, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D) : tf.matMul(flat, this.weight as tf.Tensor2D);
      return tf.reshape(y, [...lead, this.outFeatures]);
    });
  }
}

/**
 * x W + b (one fused matmul kernel) with a gradient that saves x and W only. tf.fused.matMul also saves its output
 * for the activation's derivative, even without an activation: for a linear layer feeding a residual sum that output
 * is otherwise dead, and it stayed alive until the backward pass. The gradients are the same products tfjs computes.
 */
function affine(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, ws, bs] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([xs, ws]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [tf.matMul(g, sw, false, true), tf.matMul(sx, g, true, false), tf.sum(g, 0)];
    };
    return { value: tf.fused.matMul({ a: xs, b: ws, bias: bs }), gradFunc };
  });
  return op(x, w, b) as tf.Tensor2D;
}
