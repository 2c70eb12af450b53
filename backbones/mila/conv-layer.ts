import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../../core/module.js';
import { BatchNorm2d, Conv2d, ReLU } from '../../core/layers/index.js';

export interface ConvLayerOptions {
  stride?: number;
  padding?: number;
  groups?: number;
  bias?: boolean;
  /** BatchNorm2d after the conv (official default: yes). */
  norm?: boolean;
  /** ReLU at the end (official default: yes). */
  act?: boolean;
}

/** The official ConvLayer: conv, optional BatchNorm (`norm`), optional ReLU (`act`). NHWC. */
export class ConvLayer extends Module implements Layer {
  readonly conv: Conv2d;
  readonly norm: BatchNorm2d | null;
  readonly act: ReLU | null;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvLayerOptions = {}) {
    super();
    this.conv = this.registerModule(
      'conv',
      new Conv2d(inChannels, outChannels, kernelSize, { stride: opts.stride ?? 1, padding: opts.padding ?? 0, groups: opts.groups ?? 1, bias: opts.bias ?? true }),
    );
    this.norm = (opts.norm ?? true) ? this.registerModule('norm', new BatchNorm2d(outChannels)) : null;
    this.act = (opts.act ?? true) ? this.registerModule('act', new ReLU()) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = this.conv.forward(x);
      if (this.norm) y = this.norm.forward(y);
      return this.act ? tf.relu(y) : y;
    });
  }
}
