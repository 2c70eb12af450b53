// A backbone of your own, registered under the config type 'MyBackbone' (mmdet's @BACKBONES.register_module()).
// Name this file in a config's customImports, or pass `--import ./my-backbone.mjs`, and the config may say
//   "backbone": { "type": "MyBackbone", "channels": [8, 16, 24, 32] }
// for `mila train`, `test`, `infer` and `seg-test` (test/cli/custom-backbone-e2e.test.ts runs exactly this file).
import * as tf from '@tensorflow/tfjs-core';
import { Module } from 'mila-dense/dist/core/module.js';
import { Conv2d } from 'mila-dense/dist/core/layers/index.js';
import { registerBackbone } from 'mila-dense/dist/core/registry.js';

/** Four strided convs: NHWC maps at strides 4, 8, 16, 32, declared in `outShapes` (the Backbone contract). */
export class MyBackbone extends Module {
  constructor(channels = [8, 16, 24, 32]) {
    super();
    this.outShapes = channels.map((c, i) => ({ channels: c, stride: 4 * 2 ** i }));
    this.convs = channels.map((c, i) => this.registerModule(`conv${i}`, new Conv2d(i ? channels[i - 1] : 3, c, i ? 2 : 4, { stride: i ? 2 : 4 })));
  }

  forward(x) {
    return tf.tidy(() => {
      const outs = [];
      let y = x;
      for (const conv of this.convs) outs.push((y = tf.relu(conv.forward(y))));
      return outs;
    });
  }
}

registerBackbone('MyBackbone', (cfg) => new MyBackbone(cfg.channels));
