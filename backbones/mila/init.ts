import * as tf from '@tensorflow/tfjs-core';
import type { Linear } from '../../core/layers/index.js';
import { truncNormal } from '../../core/init.js';

/** The official `_init_weights` for Linear layers: trunc_normal(std=.02) weight, zero bias. */
export function initLinearAsOfficial(l: Linear): void {
  tf.tidy(() => {
    l.weight.assign(tf.tensor(truncNormal(l.weight.shape, 0.02), l.weight.shape));
    if (l.bias) l.bias.assign(tf.zerosLike(l.bias));
  });
}
