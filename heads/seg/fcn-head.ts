import * as tf from '@tensorflow/tfjs-core';
import { Sequential } from '../../core/layers/index.js';
import { BaseDecodeHead, type DecodeHeadConfig } from './decode-head.js';
import { registerHead } from '../../core/registry.js';
import { ConvModule } from '../../core/layers/conv-module.js';

export interface FCNHeadConfig extends DecodeHeadConfig {
  type: 'FCNHead';
  numConvs: number;
  kernelSize: number;
  /** Concatenate the input with the conv output before the classifier (`conv_cat`). */
  concatInput: boolean;
}

/** mmseg's FCNHead (dilation 1): `convs` = numConvs ConvModules, optional `conv_cat`, then the classifier. */
export class FCNHead extends BaseDecodeHead {
  readonly convs: Sequential | null;
  readonly convCat: ConvModule | null;

  constructor(cfg: FCNHeadConfig) {
    super(cfg);
    if (cfg.inIndex.length !== 1 || cfg.inChannels.length !== 1) throw new Error('FCNHead reads exactly one backbone output');
    const inCh = cfg.inChannels[0]!;
    const pad = Math.floor(cfg.kernelSize / 2);
    const layers: ConvModule[] = [];
    for (let i = 0; i < cfg.numConvs; i++) layers.push(new ConvModule(i === 0 ? inCh : cfg.channels, cfg.channels, cfg.kernelSize, { padding: pad, norm: true }));
    this.convs = layers.length ? this.registerModule('convs', new Sequential(...layers)) : null;
    this.convCat = cfg.concatInput ? this.registerModule('conv_cat', new ConvModule(inCh + cfg.channels, cfg.channels, cfg.kernelSize, { padding: pad, norm: true })) : null;
  }

  forward(features: readonly tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const x = this.selectInputs(features)[0]!;
      let out = this.convs ? (this.convs.forward(x) as tf.Tensor4D) : x;
      if (this.convCat) out = this.convCat.forward(tf.concat([x, out], 3)) as tf.Tensor4D;
      return this.clsSeg(out);
    });
  }
}

registerHead<FCNHeadConfig>('FCNHead', (cfg) => new FCNHead(cfg));
