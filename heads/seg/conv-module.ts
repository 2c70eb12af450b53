import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../../core/module.js';
import { BatchNorm2d, Conv2d, ReLU } from '../../core/layers/index.js';
import { constant, kaimingNormalFanOut } from '../../core/init.js';
import { assignFromHost as assignFrom } from '../../core/assign-host.js';


export interface ConvModuleOptions {
  padding?: number;
  /** BatchNorm after the conv (mmseg heads: SyncBN, the same as BN on one device); the conv then has no bias. */
  norm?: boolean;
  /** ReLU at the end. */
  act?: boolean;
}

/**
 * mmcv's ConvModule in the order conv -> norm -> act, children named `conv`, `bn` (and `activate`,
 * parameter-free). Initialised as mmcv does: kaiming normal (fan_out, relu) on the conv, BN weight 1 bias 0.
 */
export class ConvModule extends Module implements Layer {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;
  readonly activate: ReLU | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvModuleOptions = {}) {
    super();
    const norm = opts.norm ?? true;
    this.conv = this.registerModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { padding: opts.padding ?? 0, bias: !norm }));
    const shape = this.conv.weight.shape;
    const fanOut = outChannels * kernelSize * kernelSize;
    assignFrom(this.conv.weight, kaimingNormalFanOut(shape, fanOut));
    if (this.conv.bias) assignFrom(this.conv.bias, constant([outChannels], 0));
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
