import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Sequential } from '../../core/layers/index.js';
import { ConvLayer } from './conv-layer.js';

/**
 * The official PatchMerging (`downsample`): 1x1 conv to 8C + ReLU, depthwise 3x3 stride 2 + ReLU, 1x1 conv
 * to 2C + BN. Odd maps are first zero-padded at the bottom/right, before the 1x1 conv (so the padded row
 * becomes relu(bias), as in the official code), which matters for parity.
 */
export class PatchMerging extends Module {
  readonly conv: Sequential;

  constructor(readonly dim: number, ratio = 4) {
    super();
    const out = 2 * dim;
    const hidden = Math.floor(out * ratio);
    this.conv = this.registerModule(
      'conv',
      new Sequential(
        new ConvLayer(dim, hidden, 1, { norm: false }),
        new ConvLayer(hidden, hidden, 3, { stride: 2, padding: 1, groups: hidden, norm: false }),
        new ConvLayer(hidden, out, 1, { act: false }),
      ),
    );
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const xp = h % 2 || w % 2 ? tf.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]) : x;
      return this.conv.forward(xp) as tf.Tensor4D;
    });
  }
}
