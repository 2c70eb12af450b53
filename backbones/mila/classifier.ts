import * as tf from '@tensorflow/tfjs-core';
import { Identity, LayerNorm, Linear } from '../../core/layers/index.js';
import { milaConfig, stageChannels, type MilaConfig, type MilaPresetName } from './config.js';
import { initLinearAsOfficial } from './init.js';
import { MilaTrunk } from './trunk.js';

/**
 * The official ImageNet classifier (models/mlla.py): the same trunk, then LayerNorm `norm`, global average
 * pooling and the linear `head`. The official code only accepts img_size inputs; here RoPE follows the input
 * size, which gives the official result at img_size and extends it to other sizes.
 */
export class MilaClassifier extends MilaTrunk {
  readonly norm: LayerNorm;
  readonly head: Linear | Identity;
  readonly numFeatures: number;

  constructor(spec: MilaConfig | MilaPresetName | Partial<MilaConfig>, readonly numClasses = 1000) {
    super(typeof spec === 'string' ? milaConfig(spec) : milaConfig(spec));
    this.numFeatures = stageChannels(this.config, this.config.depths.length - 1);
    this.norm = this.registerModule('norm', new LayerNorm(this.numFeatures));
    this.registerModule('avgpool', new Identity());
    if (numClasses > 0) {
      const head = new Linear(this.numFeatures, numClasses);
      initLinearAsOfficial(head);
      this.head = this.registerModule('head', head);
    } else {
      this.head = this.registerModule('head', new Identity());
    }
  }

  /** NHWC images -> pooled features [b, numFeatures] (forward_features). */
  forwardFeatures(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      let last: tf.Tensor4D | undefined;
      this.runStages(x, (_, out) => {
        last = out;
      });
      return tf.mean(this.norm.forward(last!), [1, 2]) as tf.Tensor2D;
    });
  }

  /** NHWC images -> logits [b, numClasses]. */
  forward(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.head.forward(this.forwardFeatures(x)) as tf.Tensor2D);
  }
}
