import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';

const SQRT1_2 = Math.SQRT1_2;

/** Exact GELU as PyTorch's default: 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1)));
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
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
