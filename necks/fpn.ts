/**
 * mmdet 2.x FPN (mmdet/models/necks/fpn.py) with the Mask R-CNN settings: a 1x1 lateral conv per input
 * level, top-down pathway adding the nearest-upsampled coarser lateral (resized to the finer level's exact
 * size), a 3x3 output conv per level, then `numOuts - levels` extra outputs by max_pool(kernel 1, stride 2)
 * of the last output (add_extra_convs=False: P6 = P5[:, ::2, ::2]). Convs are xavier-uniform with zero bias.
 * Parameters: `lateral_convs.{i}.conv.{weight,bias}`, `fpn_convs.{i}.conv.{weight,bias}`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../core/module.js';
import { ModuleList } from '../core/layers/containers.js';
import type { Neck, ShapeSpec } from '../core/types/backbone.js';
import { registerNeck } from '../core/registry.js';
import { ConvModule, xavierInitConv } from '../core/layers/conv-module.js';
import { resizeNearestTorch } from './nearest-resize.js';

export interface FPNOptions {
  inChannels: number[];
  outChannels: number;
  numOuts: number;
}

export class FPN extends Module implements Neck {
  readonly lateralConvs: ModuleList<ConvModule>;
  readonly fpnConvs: ModuleList<ConvModule>;
  readonly inChannels: number[];
  readonly outChannels: number;
  readonly numOuts: number;

  constructor(opts: FPNOptions) {
    super();
    if (opts.numOuts < opts.inChannels.length) {
      throw new Error(`FPN: num_outs ${opts.numOuts} is smaller than the ${opts.inChannels.length} input levels`);
    }
    this.inChannels = [...opts.inChannels];
    this.outChannels = opts.outChannels;
    this.numOuts = opts.numOuts;
    this.lateralConvs = this.registerModule('lateral_convs', new ModuleList<ConvModule>());
    this.fpnConvs = this.registerModule('fpn_convs', new ModuleList<ConvModule>());
    for (const c of opts.inChannels) {
      this.lateralConvs.append(new ConvModule(c, opts.outChannels, 1, { act: false, kaimingInit: false }));
      this.fpnConvs.append(new ConvModule(opts.outChannels, opts.outChannels, 3, { padding: 1, act: false, kaimingInit: false }));
    }
    for (const [, m] of this.namedModules()) if (m instanceof ConvModule) xavierInitConv(m.conv);
  }

  /** Output shapes from the input shapes: the same strides, then doubled for each extra level. */
  outShapes(inShapes: readonly ShapeSpec[]): ShapeSpec[] {
    return fpnOutShapes(inShapes, this.outChannels, this.numOuts);
  }

  forward(inputs: readonly tf.Tensor4D[]): tf.Tensor4D[] {
    if (inputs.length !== this.inChannels.length) {
      throw new Error(`FPN: expected ${this.inChannels.length} feature maps, got ${inputs.length}`);
    }
    return tf.tidy(() => {
      const laterals = inputs.map((x, i) => this.lateralConvs.at(i).forward(x) as tf.Tensor4D);
      for (let i = laterals.length - 1; i > 0; i--) {
        const finer = laterals[i - 1]!;
        laterals[i - 1] = tf.add(finer, resizeNearestTorch(laterals[i]!, [finer.shape[1], finer.shape[2]]));
      }
      const outs = laterals.map((l, i) => this.fpnConvs.at(i).forward(l) as tf.Tensor4D);
      while (outs.length < this.numOuts) outs.push(subsampleStride2(outs[outs.length - 1]!));
      return outs;
    });
  }
}

/** The FPN's output shapes for these inputs, without building it. */
export function fpnOutShapes(inShapes: readonly ShapeSpec[], outChannels: number, numOuts: number): ShapeSpec[] {
  const out = inShapes.map((s) => ({ channels: outChannels, stride: s.stride }));
  for (let i = inShapes.length; i < numOuts; i++) out.push({ channels: outChannels, stride: out[out.length - 1]!.stride * 2 });
  return out;
}

/**
 * F.max_pool2d(x, kernel 1, stride 2) = x[:, ::2, ::2]: output ceil(H / 2) x ceil(W / 2). tfjs-core has no
 * StridedSlice gradient, so this pads to even sizes, views each 2x2 block and slices its top-left element
 * (pad, reshape and slice all differentiate).
 */
export function subsampleStride2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const oh = Math.ceil(h / 2);
    const ow = Math.ceil(w / 2);
    const even = h % 2 || w % 2 ? tf.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]) : x;
    const blocks = tf.reshape(even, [n, oh, 2, ow, 2, c]);
    return tf.reshape(tf.slice(blocks, [0, 0, 0, 0, 0, 0], [n, oh, 1, ow, 1, c]), [n, oh, ow, c]) as tf.Tensor4D;
  });
}

registerNeck<FPNOptions & { type: 'FPN' }>('FPN', (cfg) => new FPN({ inChannels: cfg.inChannels, outChannels: cfg.outChannels, numOuts: cfg.numOuts }));
