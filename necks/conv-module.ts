/**
 * mmcv's `ConvModule` without a norm layer: a Conv2d registered as the child `conv` (so parameters are named
 * `<name>.conv.weight`, as in mmdet checkpoints), optionally followed by ReLU. Used by the FPN
 * (`lateral_convs.i.conv`, `fpn_convs.i.conv`, no activation).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../core/module.js';
import { Conv2d } from '../core/layers/conv2d.js';
import { constant, xavierUniform } from '../core/init.js';
import { assignFromHost } from '../core/assign-host.js';

export class ConvModule extends Module implements Layer {
  readonly conv: Conv2d;
  private readonly relu: boolean;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: { padding?: number; stride?: number; relu?: boolean } = {}) {
    super();
    this.relu = opts.relu ?? false;
    this.conv = this.registerModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { padding: opts.padding ?? 0, stride: opts.stride ?? 1 }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const y = this.conv.forward(x);
      return this.relu ? tf.relu(y) : y;
    });
  }
}

/** mmcv xavier_init(distribution='uniform', gain=1, bias=0) of a conv: fan_in = in * k * k, fan_out = out * k * k. */
export function xavierInitConv(conv: Conv2d): void {
  const [kh, kw, cin, cout] = conv.weight.shape as [number, number, number, number];
  assignFromHost(conv.weight, xavierUniform(conv.weight.shape, cin * kh * kw, cout * kh * kw));
  if (conv.bias) assignFromHost(conv.bias, constant(conv.bias.shape, 0));
}
