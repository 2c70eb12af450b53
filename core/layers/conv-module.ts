import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { assignFromHost } from '../assign-host.js';
import { constant, kaimingNormalFanOut, xavierUniform } from '../init.js';
import { BatchNorm2d } from './batch-norm2d.js';
import { ReLU } from './activations.js';
import { Conv2d } from './conv2d.js';

export interface ConvModuleOptions {
  padding?: number;
  stride?: number;
  /** BatchNorm after the conv (mmcv `norm_cfg=dict(type='BN')`; mmseg's SyncBN is the same on one device); the conv then has no bias (mmcv's bias='auto'). Default false, as mmcv's norm_cfg=None. */
  norm?: boolean;
  /** ReLU at the end (mmcv's default act_cfg). Default true. */
  act?: boolean;
  /**
   * mmcv's own init_weights: kaiming normal (fan_out, relu) on the conv, bias 0. Default true; false when the
   * owner re-initialises the conv anyway (mmdet's FPN: Xavier), which saves the draws.
   */
  kaimingInit?: boolean;
}

/**
 * mmcv's ConvModule, conv -> norm -> act, with its children named as mmcv's (`conv`, `bn`, and the
 * parameter-free `activate`) so mmdet/mmseg checkpoints load by name. BN weight 1, bias 0.
 */
export class ConvModule extends Module implements Layer {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;
  readonly activate: ReLU | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvModuleOptions = {}) {
    super();
    const norm = opts.norm ?? false;
    this.conv = this.registerModule(
      'conv',
      new Conv2d(inChannels, outChannels, kernelSize, { padding: opts.padding ?? 0, stride: opts.stride ?? 1, bias: !norm }),
    );
    if (opts.kaimingInit ?? true) {
      assignFromHost(this.conv.weight, kaimingNormalFanOut(this.conv.weight.shape, outChannels * kernelSize * kernelSize));
      if (this.conv.bias) assignFromHost(this.conv.bias, constant([outChannels], 0));
    }
    this.bn = norm ? this.registerModule('bn', new BatchNorm2d(outChannels)) : null;
    this.activate = (opts.act ?? true) ? this.registerModule('activate', new ReLU()) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = this.conv.forward(x);
      if (this.bn) y = this.bn.forward(y);
      if (this.activate) y = this.activate.forward(y);
      return y;
    });
  }
}

/** mmcv xavier_init(distribution='uniform', gain=1, bias=0) of a conv: fan_in = in * k * k, fan_out = out * k * k. */
export function xavierInitConv(conv: Conv2d): void {
  const [kh, kw, cin, cout] = conv.weight.shape as [number, number, number, number];
  assignFromHost(conv.weight, xavierUniform(conv.weight.shape, cin * kh * kw, cout * kh * kw));
  if (conv.bias) assignFromHost(conv.bias, constant(conv.bias.shape, 0));
}
