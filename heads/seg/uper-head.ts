import * as tf from '@tensorflow/tfjs-core';
import { ModuleList } from '../../core/layers/index.js';
import { BaseDecodeHead, type DecodeHeadConfig } from './decode-head.js';
import { registerHead } from '../../core/registry.js';
import { ConvModule } from '../../core/layers/conv-module.js';
import { PPM } from './ppm.js';
import { resizeBilinear } from './resize-bilinear.js';

export interface UPerHeadConfig extends DecodeHeadConfig {
  type: 'UPerHead';
  poolScales: number[];
}

/**
 * mmseg's UPerHead (Unified Perceptual Parsing): PPM on the last input then `bottleneck` 3x3; 1x1
 * `lateral_convs` on the others; a top-down path adding each upsampled coarser level; 3x3 `fpn_convs`;
 * all levels upsampled to the finest and concatenated; `fpn_bottleneck` 3x3; dropout; `conv_seg`.
 */
export class UPerHead extends BaseDecodeHead {
  readonly psp: PPM;
  readonly bottleneck: ConvModule;
  readonly lateralConvs: ModuleList<ConvModule>;
  readonly fpnConvs: ModuleList<ConvModule>;
  readonly fpnBottleneck: ConvModule;

  constructor(cfg: UPerHeadConfig) {
    super(cfg);
    if (cfg.inChannels.length !== cfg.inIndex.length) throw new Error('UPerHead: inChannels and inIndex differ in length');
    const last = cfg.inChannels[cfg.inChannels.length - 1]!;
    const c = cfg.channels;
    this.psp = this.registerModule('psp_modules', new PPM(cfg.poolScales, last, c));
    this.bottleneck = this.registerModule('bottleneck', new ConvModule(last + cfg.poolScales.length * c, c, 3, { padding: 1, norm: true }));
    const lower = cfg.inChannels.slice(0, -1);
    this.lateralConvs = this.registerModule('lateral_convs', new ModuleList(lower.map((ch) => new ConvModule(ch, c, 1, { norm: true }))));
    this.fpnConvs = this.registerModule('fpn_convs', new ModuleList(lower.map(() => new ConvModule(c, c, 3, { padding: 1, norm: true }))));
    this.fpnBottleneck = this.registerModule('fpn_bottleneck', new ConvModule(cfg.inChannels.length * c, c, 3, { padding: 1, norm: true }));
  }

  private pspForward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.bottleneck.forward(tf.concat([x, ...this.psp.forward(x)], 3)) as tf.Tensor4D);
  }

  forward(features: readonly tf.Tensor4D[]): tf.Tensor4D {
    return tf.tidy(() => {
      const inputs = this.selectInputs(features);
      const laterals: tf.Tensor4D[] = this.lateralConvs.items.map((conv, i) => conv.forward(inputs[i]!) as tf.Tensor4D);
      laterals.push(this.pspForward(inputs[inputs.length - 1]!));
      for (let i = laterals.length - 1; i > 0; i--) {
        const [, h, w] = laterals[i - 1]!.shape;
        laterals[i - 1] = tf.add(laterals[i - 1]!, resizeBilinear(laterals[i]!, [h, w]));
      }
      const outs: tf.Tensor4D[] = this.fpnConvs.items.map((conv, i) => conv.forward(laterals[i]!) as tf.Tensor4D);
      outs.push(laterals[laterals.length - 1]!);
      const [, h0, w0] = outs[0]!.shape;
      for (let i = outs.length - 1; i > 0; i--) outs[i] = resizeBilinear(outs[i]!, [h0, w0]);
      const fused = this.fpnBottleneck.forward(tf.concat(outs, 3)) as tf.Tensor4D;
      return this.clsSeg(fused);
    });
  }
}

registerHead<UPerHeadConfig>('UPerHead', (cfg) => new UPerHead(cfg));
