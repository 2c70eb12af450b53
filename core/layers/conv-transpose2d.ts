import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { torchDefaultWeight } from '../init.js';

/**
 * PyTorch's nn.ConvTranspose2d with padding 0 and output_padding 0 (what mask heads use), NHWC.
 * Weight kept as [kh, kw, out, in], the layout tf.conv2dTranspose takes.
 */
export class ConvTranspose2d extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly stride: number,
    bias = true,
  ) {
    super();
    const k = kernelSize;
    // PyTorch computes fan_in of a transposed conv from weight dim 1 (out channels) * k * k.
    const fanIn = outChannels * k * k;
    this.weight = this.registerParameter('weight', torchDefaultWeight([k, k, outChannels, inChannels], fanIn), [k, k, outChannels, inChannels], 'convT');
    this.bias = bias ? this.registerParameter('bias', torchDefaultWeight([outChannels], fanIn), [outChannels]) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [n, h, w] = x.shape as [number, number, number, number];
      const k = this.kernelSize;
      const s = this.stride;
      const outShape: [number, number, number, number] = [n, (h - 1) * s + k, (w - 1) * s + k, this.outChannels];
      const y = tf.conv2dTranspose(x as tf.Tensor4D, this.weight as tf.Tensor4D, outShape, s, 'valid');
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}
