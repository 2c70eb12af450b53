import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Sequential } from '../../core/layers/index.js';
import { ConvLayer } from './conv-layer.js';

/**
 * The official Stem (`patch_embed`): conv 3x3 s2 + BN + ReLU; a residual pair of 3x3 convs; conv 3x3 s2 +
 * BN + ReLU then 1x1 + BN. Overall stride 4. Input right/bottom zero-padded to a multiple of the patch size.
 */
export class Stem extends Module {
  readonly conv1: ConvLayer;
  readonly conv2: Sequential;
  readonly conv3: Sequential;

  constructor(inChans: number, embedDim: number, readonly patchSize = 4) {
    super();
    const half = embedDim / 2;
    this.conv1 = this.registerModule('conv1', new ConvLayer(inChans, half, 3, { stride: 2, padding: 1, bias: false }));
    this.conv2 = this.registerModule(
      'conv2',
      new Sequential(new ConvLayer(half, half, 3, { padding: 1, bias: false }), new ConvLayer(half, half, 3, { padding: 1, bias: false, act: false })),
    );
    this.conv3 = this.registerModule(
      'conv3',
      new Sequential(new ConvLayer(half, embedDim * 4, 3, { stride: 2, padding: 1, bias: false }), new ConvLayer(embedDim * 4, embedDim, 1, { bias: false, act: false })),
    );
  }

  /** NHWC image batch -> NHWC tokens at stride 4. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const [, h, w] = x.shape;
      const p = this.patchSize;
      const padH = h % p === 0 ? 0 : p - (h % p);
      const padW = w % p === 0 ? 0 : p - (w % p);
      const xp = padH || padW ? tf.pad(x, [[0, 0], [0, padH], [0, padW], [0, 0]]) : x;
      const y1 = this.conv1.forward(xp);
      const y2 = tf.add(this.conv2.forward(y1), y1);
      return this.conv3.forward(y2) as tf.Tensor4D;
    });
  }
}
