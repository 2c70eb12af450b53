import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { BACKBONES, HEADS, requireMethods, type ComponentConfig } from '../../core/registry.js';
import type { Backbone } from '../../core/types/backbone.js';
import type { SegBatch } from '../../core/types/data.js';
import type { LossTerms, TrainableModel } from '../types.js';
import type { MilaBackboneConfig } from '../../backbones/mila/config.js';
import type { TinyConvBackboneConfig } from '../../backbones/tiny-conv.js';
import type { BaseDecodeHead } from '../../heads/seg/decode-head.js';
import type { UPerHeadConfig } from '../../heads/seg/uper-head.js';
import type { FCNHeadConfig } from '../../heads/seg/fcn-head.js';
import { resizeBilinear } from '../../heads/seg/resize-bilinear.js';
import '../builtin-components.js';

/** The official MLLA backbone kwargs (downstream/segmentation/configs/mlla), as plain data. */
export type MilaSegBackboneConfig = MilaBackboneConfig;

/** The backbones the presets name; any registered type works too (`ComponentConfig`). */
export type BuiltinSegBackboneConfig = MilaSegBackboneConfig | TinyConvBackboneConfig;
export type SegBackboneConfig = BuiltinSegBackboneConfig | ComponentConfig;

/** A registered decode head's entry: its options, with at least the class count the segmentor reports. */
export type SegHeadConfig = ComponentConfig & { numClasses: number };

/**
 * What the segmentor calls on a decode or auxiliary head (mmseg's BaseDecodeHead interface): logits from the
 * backbone features, and the loss terms from logits and labels. A registered head of yours provides both.
 */
export type SegHeadLike = Module & Pick<BaseDecodeHead, 'forward' | 'losses'>;

/** mmseg's test_cfg: `whole` image or `slide` windows of cropSize every stride ([h, w] each). */
export interface SegTestConfig {
  mode: 'whole' | 'slide';
  cropSize: [number, number];
  stride: [number, number];
}

/** mmseg's EncoderDecoder model config, as plain data. */
export interface EncoderDecoderConfig {
  type: 'EncoderDecoder';
  backbone: SegBackboneConfig;
  decodeHead: UPerHeadConfig | SegHeadConfig;
  auxiliaryHead: FCNHeadConfig | SegHeadConfig | null;
  testCfg: SegTestConfig;
}

/**
 * mmseg's EncoderDecoder: backbone -> decode head (+ auxiliary head in training). Parameters are named
 * `backbone.*`, `decode_head.*`, `auxiliary_head.*` as in mmseg checkpoints.
 */
export class EncoderDecoder extends Module implements TrainableModel<SegBatch> {
  readonly backbone: Backbone;
  readonly decodeHead: SegHeadLike;
  readonly auxiliaryHead: SegHeadLike | null;

  constructor(readonly cfg: EncoderDecoderConfig, backbone?: Backbone) {
    super();
    this.backbone = this.registerModule('backbone', backbone ?? BACKBONES.build(cfg.backbone, undefined));
    this.decodeHead = this.registerModule('decode_head', this.buildHead('decode head', cfg.decodeHead));
    this.auxiliaryHead = cfg.auxiliaryHead ? this.registerModule('auxiliary_head', this.buildHead('auxiliary head', cfg.auxiliaryHead)) : null;
  }

  private buildHead(what: string, cfg: UPerHeadConfig | FCNHeadConfig | SegHeadConfig): SegHeadLike {
    checkHeadInputs(what, cfg, this.backbone);
    const head = HEADS.build(cfg, { inShapes: this.backbone.outShapes, trainCfg: null, testCfg: null, seed: 0 });
    requireMethods(head, ['forward', 'losses'], `${what} '${cfg.type}'`);
    return head as SegHeadLike;
  }

  get numClasses(): number {
    return this.cfg.decodeHead.numClasses;
  }

  /** Decode-head logits resized (bilinear, align_corners=False) to the input size: [n, H, W, numClasses]. */
  encodeDecode(img: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const feats = this.backbone.forward(img);
      const logits = this.decodeHead.forward(feats);
      return resizeBilinear(logits, [img.shape[1], img.shape[2]]);
    });
  }

  /**
   * Training terms of one batch, named as mmseg logs them: `decode.loss_ce`, `decode.acc_seg` and, with an
   * auxiliary head, `aux.loss_ce`, `aux.acc_seg`. Loss weights are applied; the runner sums the `loss` terms.
   */
  forwardTrain(batch: SegBatch): LossTerms {
    if (!batch.labels) throw new Error('EncoderDecoder.forwardTrain: the batch has no labels');
    const [n, h, w] = batch.shape;
    return tf.tidy(() => {
      const img = tf.tensor4d(batch.images, batch.shape);
      const labels = tf.tensor3d(Int32Array.from(batch.labels!), [n, h, w], 'int32');
      const feats = this.backbone.forward(img);
      const terms: LossTerms = {};
      const decode = this.decodeHead.losses(this.decodeHead.forward(feats), labels);
      terms['decode.loss_ce'] = decode.loss_ce;
      terms['decode.acc_seg'] = decode.acc_seg;
      if (this.auxiliaryHead) {
        const aux = this.auxiliaryHead.losses(this.auxiliaryHead.forward(feats), labels);
        terms['aux.loss_ce'] = aux.loss_ce;
        terms['aux.acc_seg'] = aux.acc_seg;
      }
      return terms;
    });
  }
}

/** A head that declares which backbone outputs it reads (mmseg's in_index / in_channels) must get those channels. */
function checkHeadInputs(what: string, head: { type: string; inChannels?: unknown; inIndex?: unknown }, backbone: Backbone): void {
  if (!Array.isArray(head.inIndex) || !Array.isArray(head.inChannels)) return;
  const inChannels = head.inChannels as number[];
  (head.inIndex as number[]).forEach((idx, k) => {
    const spec = backbone.outShapes[idx];
    if (!spec) throw new Error(`${what} reads backbone output ${idx}, but the backbone has ${backbone.outShapes.length} outputs`);
    if (spec.channels !== inChannels[k]) {
      throw new Error(`${what} expects ${inChannels[k]} channels from backbone output ${idx}, the backbone gives ${spec.channels}`);
    }
  });
}

/** Build an EncoderDecoder from its config (the backbone from `cfg.backbone` unless one is given). */
export function buildEncoderDecoder(cfg: EncoderDecoderConfig, backbone?: Backbone): EncoderDecoder {
  return new EncoderDecoder(cfg, backbone);
}
