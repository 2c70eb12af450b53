import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { fusedGelu, fusedSilu } from '../fused/fused-ops.js';

/** Exact GELU as PyTorch's default: 0.5 x (1 + erf(x / sqrt 2)); one fused kernel on wasm/cpu. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fusedGelu(x);
}

/** x sigmoid(x); one fused kernel on wasm/cpu. */
export function silu(x: tf.Tensor): tf.Tensor {
  return fusedSilu(x);
}

/** Activation modules exist (besides the functions) so that Sequential indices match PyTorch's names. */
export class GELU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x);
  }
}

export class SiLU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return silu(x);
  }
}

export class ELU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.elu(x);
  }
}

export class ReLU extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

export class Identity extends Module implements Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return x.clone();
  }
}
