import * as tf from '@tensorflow/tfjs-core';
import { ModuleList, Sequential } from '../../core/layers/index.js';
import { AdaptiveAvgPool2d } from './adaptive-avg-pool.js';
import { ConvModule } from '../../core/layers/conv-module.js';
import { resizeBilinear } from './resize-bilinear.js';

/**
 * mmseg's PPM (pooling pyramid module): for each scale s, AdaptiveAvgPool2d(s) then a 1x1 ConvModule
 * (`psp_modules.<i>.0` / `.1`), each output bilinearly upsampled (align_corners=False) to the input size.
 * Returns the upsampled branches; the caller concatenates them after the input.
 */
export class PPM extends ModuleList<Sequential> {
  constructor(readonly poolScales: readonly number[], inChannels: number, channels: number) {
    super(poolScales.map((s) => new Sequential(new AdaptiveAvgPool2d(s), new ConvModule(inChannels, channels, 1, { norm: true }))));
  }

  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    const [, h, w] = x.shape;
    return this.items.map((branch) => tf.tidy(() => resizeBilinear(branch.forward(x) as tf.Tensor4D, [h, w])));
  }
}
