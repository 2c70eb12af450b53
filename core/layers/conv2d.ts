import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { torchDefaultWeight } from '../init.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
  /** 1 (dense) or equal to inChannels (depthwise, outChannels a multiple of it). */
  groups?: number;
  bias?: boolean;
}

function pair(v: number | [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * PyTorch's nn.Conv2d on NHWC input: symmetric zero padding as PyTorch's `padding`, dense or depthwise.
 * Weights are HWIO (dense) or [kh, kw, C, multiplier] (depthwise), converted from OIHW at import.
 */
export class Conv2d extends Module implements Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly depthwise: boolean;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number | [number, number],
    opts: Conv2dOptions = {},
  ) {
    super();
    const [kh, kw] = pair(kernelSize, 1);
    this.stride = pair(opts.stride, 1);
    this.padding = pair(opts.padding, 0);
    this.dilation = pair(opts.dilation, 1);
    const groups = opts.groups ?? 1;
    if (groups !== 1 && groups !== inChannels) {
      throw new Error(`Conv2d: groups=${groups} is not supported (only 1 or in_channels=${inChannels})`);
    }
    if (groups !== 1 && outChannels % inChannels !== 0) {
      throw new Error(`Conv2d: depthwise out_channels ${outChannels} must be a multiple of in_channels ${inChannels}`);
    }
    this.depthwise = groups !== 1 && groups === inChannels && !(inChannels === 1 && outChannels === 1 && groups === 1);
    const fanIn = (inChannels / groups) * kh * kw;
    if (this.depthwise) {
      const m = outChannels / inChannels;
      this.weight = this.registerParameter('weight', torchDefaultWeight([kh, kw, inChannels, m], fanIn), [kh, kw, inChannels, m], 'depthwise');
    } else {
      this.weight = this.registerParameter('weight', torchDefaultWeight([kh, kw, inChannels, outChannels], fanIn), [kh, kw, inChannels, outChannels], 'conv');
    }
    this.bias = (opts.bias ?? true) ? this.registerParameter('bias', torchDefaultWeight([outChannels], fanIn), [outChannels]) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const [ph, pw] = this.padding;
      const pad: tf.backend_util.ExplicitPadding = [[0, 0], [ph, ph], [pw, pw], [0, 0]];
      const padArg = ph === 0 && pw === 0 ? 'valid' : pad;
      const y = this.depthwise
        ? tf.depthwiseConv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.stride, padArg, 'NHWC', this.dilation)
        : tf.conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.stride, padArg, 'NHWC', this.dilation);
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}
