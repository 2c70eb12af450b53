import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { constant } from '../init.js';
import { fusedLayerNorm } from '../fused/fused-ops.js';

/** nn.LayerNorm over the last axis (the channel axis of NHWC tensors), biased variance as PyTorch. */
export class LayerNorm extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly normalizedShape: number, readonly eps = 1e-5) {
    super();
    this.weight = this.registerParameter('weight', constant([normalizedShape], 1), [normalizedShape]);
    this.bias = this.registerParameter('bias', constant([normalizedShape], 0), [normalizedShape]);
  }

  /** One fused kernel on wasm/cpu (one pass forward and backward), tfjs ops elsewhere. */
  forward(x: tf.Tensor): tf.Tensor {
    return fusedLayerNorm(x, this.weight as tf.Tensor1D, this.bias as tf.Tensor1D, this.eps);
  }
}
