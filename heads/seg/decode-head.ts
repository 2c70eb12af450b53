import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Conv2d } from '../../core/layers/index.js';
import { constant, normal } from '../../core/init.js';
import { Dropout2d } from './dropout2d.js';
import { assignFromHost } from '../../core/assign-host.js';
import { resizedCrossEntropyWithIgnore } from './resized-cross-entropy.js';

/** What every decode head shares (mmseg's BaseDecodeHead), as plain data. */
export interface DecodeHeadConfig {
  /** Channels of each selected backbone output. */
  inChannels: number[];
  /** Indices of the backbone outputs the head reads. */
  inIndex: number[];
  channels: number;
  numClasses: number;
  dropoutRatio: number;
  lossWeight: number;
  ignoreIndex: number;
  /** mmseg CrossEntropyLoss `avg_non_ignore` (false in mmseg 0.x and the official configs). */
  avgNonIgnore: boolean;
}

/**
 * mmseg's BaseDecodeHead: the 1x1 classifier `conv_seg` (normal std 0.01, bias 0) behind a channel dropout,
 * and the loss: logits bilinearly resized (align_corners=False) to the label size, softmax CE with ignore.
 */
export abstract class BaseDecodeHead extends Module {
  readonly convSeg: Conv2d;
  readonly dropout: Dropout2d | null;

  constructor(readonly cfg: DecodeHeadConfig) {
    super();
    // Registered first, as mmseg's BaseDecodeHead.__init__ does, so state-dict order matches.
    this.convSeg = this.registerModule('conv_seg', new Conv2d(cfg.channels, cfg.numClasses, 1));
    const shape = this.convSeg.weight.shape;
    assignFromHost(this.convSeg.weight, normal(shape, 0.01));
    assignFromHost(this.convSeg.bias!, constant([cfg.numClasses], 0));
    this.dropout = cfg.dropoutRatio > 0 ? this.registerModule('dropout', new Dropout2d(cfg.dropoutRatio)) : null;
  }

  /** Logits [n, h, w, numClasses] at the resolution of the head's finest input. */
  abstract forward(features: readonly tf.Tensor4D[]): tf.Tensor4D;

  protected selectInputs(features: readonly tf.Tensor4D[]): tf.Tensor4D[] {
    return this.cfg.inIndex.map((i) => {
      const f = features[i];
      if (!f) throw new Error(`decode head reads backbone output ${i}, but the backbone gave ${features.length}`);
      return f;
    });
  }

  protected clsSeg(feat: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const x = this.dropout ? this.dropout.forward(feat) : feat;
      return this.convSeg.forward(x) as tf.Tensor4D;
    });
  }

  /**
   * mmseg's losses(): `loss_ce` (weighted CE of the logits against labels [n, H, W], int32, ignoreIndex = no
   * loss) and `acc_seg` (pixel accuracy in percent, logged only), both at the label resolution.
   */
  losses(logits: tf.Tensor4D, labels: tf.Tensor3D): { loss_ce: tf.Scalar; acc_seg: tf.Scalar } {
    return tf.tidy(() => {
      const { loss, accuracy } = resizedCrossEntropyWithIgnore(logits, labels, { ignoreIndex: this.cfg.ignoreIndex, avgNonIgnore: this.cfg.avgNonIgnore });
      return { loss_ce: tf.mul(loss, this.cfg.lossWeight) as tf.Scalar, acc_seg: tf.scalar(accuracy) };
    });
  }
}
