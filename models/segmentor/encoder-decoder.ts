import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import type { Backbone } from '../../core/types/backbone.js';
import type { SegBatch } from '../../core/types/data.js';
import type { LossTerms, TrainableModel } from '../types.js';
import { UPerHead, type UPerHeadConfig } from '../../heads/seg/uper-head.js';
import { FCNHead, type FCNHeadConfig } from '../../heads/seg/fcn-head.js';
import { resizeBilinear } from '../../heads/seg/resize-bilinear.js';
import { buildSegBackbone, type SegBackboneConfig } from './backbone-config.js';

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
  decodeHead: UPerHeadConfig;
  auxiliaryHead: FCNHeadConfig | null;
  testCfg: SegTestConfig;
}

/**
 * mmseg's EncoderDecoder: backbone -> decode head (+ auxiliary head in training). Parameters are named
 * `backbone.*`, `decode_head.*`, `auxiliary_head.*` as in mmseg checkpoints.
 */
export class EncoderDecoder extends Module implements TrainableModel<SegBatch> {
  readonly backbone: Backbone;
  readonly decodeHead: UPerHead;
  readonly auxiliaryHead: FCNHead | null;

  constructor(readonly cfg: EncoderDecoderConfig, backbone?: Backbone) {
    super();
    this.backbone = this.registerModule('backbone', backbone ?? buildSegBackbone(cfg.backbone));
    checkHeadInputs('decode head', cfg.decodeHead, this.backbone);
    this.decodeHead = this.registerModule('decode_head', new UPerHead(cfg.decodeHead));
    if (cfg.auxiliaryHead) checkHeadInputs('auxiliary head', cfg.auxiliaryHead, this.backbone);
    this.auxiliaryHead = cfg.auxiliaryHead ? this.registerModule('auxiliary_head', new FCNHead(cfg.auxiliaryHead)) : null;
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

function checkHeadInputs(what: string, head: { inChannels: number[]; inIndex: number[] }, backbone: Backbone): void {
  head.inIndex.forEach((idx, k) => {
    const spec = backbone.outShapes[idx];
    if (!spec) throw new Error(`${what} reads backbone output ${idx}, but the backbone has ${backbone.outShapes.length} outputs`);
    if (spec.channels !== head.inChannels[k]) {
      throw new Error(`${what} expects ${head.inChannels[k]} channels from backbone output ${idx}, the backbone gives ${spec.channels}`);
    }
  });
}

/** Build an EncoderDecoder from its config (the backbone from `cfg.backbone` unless one is given). */
export function buildEncoderDecoder(cfg: EncoderDecoderConfig, backbone?: Backbone): EncoderDecoder {
  return new EncoderDecoder(cfg, backbone);
}
