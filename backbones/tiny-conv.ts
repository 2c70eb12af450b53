import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../core/module.js';
import { Conv2d, ModuleList, ReLU, Sequential } from '../core/layers/index.js';
import type { Backbone, ShapeSpec } from '../core/types/backbone.js';
import { registerBackbone } from '../core/registry.js';

/** The config entry: `{ type: 'TinyConv', channels: [c0, c1, c2, c3] }`. */
export interface TinyConvBackboneConfig {
  type: 'TinyConv';
  channels: number[];
}

/**
 * A small conv backbone implementing the Backbone contract: a stride-4 stem then three stride-2 stages,
 * outputs at strides 4, 8, 16, 32. For tests and quick experiments where the MILA backbone is too slow.
 */
export class TinyConvBackbone extends Module implements Backbone {
  readonly outShapes: readonly ShapeSpec[];
  readonly stages: ModuleList<Sequential>;

  constructor(channels: readonly number[] = [16, 32, 64, 128]) {
    super();
    if (channels.length !== 4) throw new Error('TinyConvBackbone: channels must list 4 stages');
    const stages: Sequential[] = [];
    channels.forEach((c, i) => {
      const inCh = i === 0 ? 3 : channels[i - 1]!;
      const stride = i === 0 ? 4 : 2;
      // A 3x3 conv with padding 1 maps size s to ceil(s/2) at stride 2, like MILA's patch merging.
      const k = i === 0 ? 4 : 3;
      const pad = i === 0 ? 0 : 1;
      stages.push(new Sequential(new Conv2d(inCh, c, k, { stride, padding: pad }), new ReLU()));
    });
    this.stages = this.registerModule('stages', new ModuleList(stages));
    this.outShapes = channels.map((c, i) => ({ channels: c, stride: 4 * 2 ** i }));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    const outs: tf.Tensor4D[] = [];
    let y: tf.Tensor4D = x;
    for (const stage of this.stages.items) {
      y = stage.forward(y) as tf.Tensor4D;
      outs.push(y);
    }
    return outs;
  }
}

registerBackbone<TinyConvBackboneConfig>('TinyConv', (cfg) => new TinyConvBackbone(cfg.channels));
