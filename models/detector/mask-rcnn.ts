/**
 * mmdet 2.x MaskRCNN (TwoStageDetector): backbone -> FPN neck -> RPN head -> StandardRoIHead, with children
 * named `backbone`, `neck`, `rpn_head`, `roi_head` so an mmdet checkpoint of this model loads by name.
 *
 * The heads are built from the backbone's declared output shapes (the Backbone contract), so any Module
 * implementing the contract can replace MILA: pass it as `opts.backbone`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Rng } from '../../core/rng.js';
import { BACKBONES, HEADS, NECKS, requireMethods, type HeadContext } from '../../core/registry.js';
import type { Backbone, Neck, ShapeSpec } from '../../core/types/backbone.js';
import type { DetBatch, ImageMeta } from '../../core/types/data.js';
import { proposalSettings, rpnTrainSettings, type RPNHead, type RPNTrainSettings } from '../../heads/det/rpn-head.js';
import type { StandardRoIHead } from '../../heads/det/roi/standard-roi-head.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import type { CustomDetBackboneConfig, DetBackboneConfig, MaskRCNNConfig } from './mask-rcnn-config.js';
import type { LossTerms, TrainableModel } from '../types.js';
import '../builtin-components.js';

/** What the detector calls on its RPN head (mmdet's RPNHead interface); a registered RPN head of yours provides it. */
export type RPNHeadLike = Module & Pick<RPNHead, 'forward' | 'loss' | 'proposals' | 'reseedSampling'>;
/** What the detector calls on its RoI head (mmdet's StandardRoIHead interface). */
export type RoIHeadLike = Module & Pick<StandardRoIHead, 'forwardTrain' | 'simpleTest' | 'reseedSampling' | 'numClasses'>;

export interface MaskRCNNOptions {
  /** A backbone to use instead of the one `cfg.backbone` describes (anything implementing the contract). */
  backbone?: Backbone;
  /** Seed of the RPN and RoI samplers. */
  seed?: number;
}

function isCustom(b: DetBackboneConfig): b is CustomDetBackboneConfig {
  return b.type === 'Custom';
}

/**
 * Build the backbone a detector config names through the backbone registry (a 'Custom' one is built by the caller
 * and passed in, see MaskRCNNOptions).
 */
export function buildDetBackbone(cfg: DetBackboneConfig): Backbone {
  if (isCustom(cfg)) throw new Error(`models/mask-rcnn: the config's backbone is the custom '${cfg.name}': pass it as new MaskRCNN(cfg, { backbone })`);
  return BACKBONES.build(cfg, undefined);
}

/** The neck must read what the backbone gives (checked before the neck is built). */
function checkBackbone(cfg: MaskRCNNConfig, backboneShapes: readonly ShapeSpec[]): void {
  const where = 'models/mask-rcnn';
  const got = backboneShapes.map((s) => s.channels);
  if (isCustom(cfg.backbone)) {
    const declared = cfg.backbone;
    if (declared.outChannels.join() !== got.join() || declared.strides.join() !== backboneShapes.map((s) => s.stride).join()) {
      throw new Error(`${where}: the config declares backbone '${declared.name}' with channels [${declared.outChannels.join(', ')}] and strides [${declared.strides.join(', ')}], but the backbone passed gives channels [${got.join(', ')}] and strides [${backboneShapes.map((s) => s.stride).join(', ')}]`);
    }
  }
  if (Array.isArray(cfg.neck.inChannels) && got.join() !== cfg.neck.inChannels.join()) {
    throw new Error(`${where}: the neck expects channels [${cfg.neck.inChannels.join(', ')}] but the backbone gives [${got.join(', ')}]`);
  }
}

/** The anchors / RoI levels must sit at the neck's strides, and the heads take the neck's channels. */
function checkNeckShapes(cfg: MaskRCNNConfig, neckShapes: readonly ShapeSpec[]): void {
  const where = 'models/mask-rcnn';
  const strides = neckShapes.map((s) => s.stride);
  // A registered head of another kind may lack these entries: what is not declared is not checked.
  const anchors = cfg.rpnHead.anchorGenerator?.strides;
  if (anchors && anchors.join() !== strides.join()) throw new Error(`${where}: anchor strides [${anchors.join(', ')}] differ from the FPN output strides [${strides.join(', ')}]`);
  for (const ext of [cfg.roiHead.bboxRoiExtractor, cfg.roiHead.maskRoiExtractor].filter((e) => e?.featmapStrides)) {
    const want = ext.featmapStrides.join();
    if (want !== strides.slice(0, ext.featmapStrides.length).join()) {
      throw new Error(`${where}: RoI featmap strides [${ext.featmapStrides.join(', ')}] differ from the FPN's [${strides.join(', ')}]`);
    }
  }
  const channels = neckShapes[0]?.channels;
  const heads = [cfg.rpnHead.inChannels, cfg.roiHead.bboxHead?.inChannels, cfg.roiHead.maskHead?.inChannels];
  if (neckShapes.some((s) => s.channels !== channels) || heads.some((c) => c !== undefined && c !== channels)) {
    throw new Error(`${where}: the RPN and RoI heads must take the FPN's ${channels} channels`);
  }
}

export class MaskRCNN extends Module implements TrainableModel<DetBatch> {
  readonly backbone: Backbone;
  readonly neck: Neck;
  readonly rpnHead: RPNHeadLike;
  readonly roiHead: RoIHeadLike;
  private readonly rpnTrain: RPNTrainSettings;

  constructor(readonly cfg: MaskRCNNConfig, opts: MaskRCNNOptions = {}) {
    super();
    if (cfg.type !== 'MaskRCNN') throw new Error(`models/mask-rcnn: config type is ${JSON.stringify(cfg.type)}, expected 'MaskRCNN'`);
    const backbone = opts.backbone ?? buildDetBackbone(cfg.backbone);
    let neck: Neck | null = null;
    let neckShapes: ShapeSpec[];
    try {
      checkBackbone(cfg, backbone.outShapes);
      neck = NECKS.build(cfg.neck, { inShapes: backbone.outShapes });
      neckShapes = neck.outShapes(backbone.outShapes);
      checkNeckShapes(cfg, neckShapes);
    } catch (err) {
      if (!opts.backbone) backbone.dispose();
      neck?.dispose();
      throw err;
    }
    this.backbone = this.registerModule('backbone', backbone);
    this.neck = this.registerModule('neck', neck);
    // The samplers' seeds, drawn in this order from the model's seed (RPN first).
    const seeds = new Rng(opts.seed ?? 0);
    const rpnSeed = Math.floor(seeds.next() * 2 ** 32);
    const roiSeed = Math.floor(seeds.next() * 2 ** 32);
    const ctx = (trainCfg: unknown, testCfg: unknown, seed: number): HeadContext => ({ inShapes: neckShapes, trainCfg, testCfg, seed });
    const rpn = HEADS.build(cfg.rpnHead, ctx(cfg.trainCfg.rpn, cfg.testCfg.rpn, rpnSeed));
    requireMethods(rpn, ['forward', 'loss', 'proposals', 'reseedSampling'], `RPN head '${cfg.rpnHead.type}'`);
    this.rpnHead = this.registerModule('rpn_head', rpn as RPNHeadLike);
    const roi = HEADS.build(cfg.roiHead, ctx(cfg.trainCfg.rcnn, cfg.testCfg.rcnn, roiSeed));
    requireMethods(roi, ['forwardTrain', 'simpleTest', 'reseedSampling'], `RoI head '${cfg.roiHead.type}'`);
    this.roiHead = this.registerModule('roi_head', roi as RoIHeadLike);
    this.rpnTrain = rpnTrainSettings(cfg.trainCfg.rpn);
  }

  get numClasses(): number {
    return this.roiHead.numClasses;
  }

  /** FPN levels (P2..P6) of an NHWC batch. */
  extractFeats(img: tf.Tensor4D): tf.Tensor4D[] {
    return tf.tidy(() => this.neck.forward(this.backbone.forward(img)));
  }

  /**
   * Training losses of one collated batch, named as mmdet logs them: loss_rpn_cls, loss_rpn_bbox, loss_cls,
   * loss_bbox, loss_mask. RPN proposals (train_cfg.rpn_proposal) are computed from the detached RPN outputs.
   */
  forwardTrain(batch: DetBatch): LossTerms {
    checkBatch(batch);
    return tf.tidy(() => {
      const img = tf.tensor4d(batch.images, batch.shape);
      const feats = this.extractFeats(img);
      const rpnOut = this.rpnHead.forward(feats);
      const rpnLosses = this.rpnHead.loss(rpnOut, batch.gtBoxes, batch.metas, batch.gtBoxesIgnore, this.rpnTrain);
      const proposals = this.rpnHead.proposals(rpnOut, batch.metas, proposalSettings(this.cfg.trainCfg.rpnProposal));
      const roi = this.roiHead.forwardTrain(
        feats,
        proposals.map((p) => p.boxes),
        { gtBoxes: batch.gtBoxes, gtLabels: batch.gtLabels, gtBoxesIgnore: batch.gtBoxesIgnore, gtMasks: batch.gtMasks },
      );
      const terms: LossTerms = { ...rpnLosses, ...roi };
      return terms;
    });
  }

  /** RPN proposals of a batch under test_cfg.rpn (imgShape coordinates), e.g. for proposal recall. */
  proposals(images: Float32Array, shape: [number, number, number, number], metas: readonly ImageMeta[]): { boxes: Float32Array; scores: Float32Array }[] {
    const img = tf.tensor4d(images, shape);
    const feats = this.extractFeats(img);
    const out = this.rpnHead.forward(feats);
    try {
      return this.rpnHead.proposals(out, metas, proposalSettings(this.cfg.testCfg.rpn));
    } finally {
      tf.dispose([img, ...feats, ...out.clsScores, ...out.bboxPreds]);
    }
  }

  /**
   * Detections per image in original-image coordinates (mmdet simple_test, rescale=True): boxes, scores,
   * labels and, with `withMask`, masks pasted into the original image. Call after `eval()`.
   */
  simpleTest(batch: Pick<DetBatch, 'images' | 'shape' | 'metas'>, withMask = true): DetectionResult[] {
    if (batch.metas.length !== batch.shape[0]) throw new Error(`models/mask-rcnn: ${batch.metas.length} metas for a batch of ${batch.shape[0]} images`);
    const img = tf.tensor4d(batch.images, batch.shape);
    const feats = this.extractFeats(img);
    try {
      const out = this.rpnHead.forward(feats);
      const proposals = this.rpnHead.proposals(out, batch.metas, proposalSettings(this.cfg.testCfg.rpn));
      tf.dispose([...out.clsScores, ...out.bboxPreds]);
      return this.roiHead.simpleTest(feats, proposals.map((p) => p.boxes), batch.metas, withMask);
    } finally {
      tf.dispose([img, ...feats]);
    }
  }

  /** Reseed the RPN and RoI samplers (a runner can do so per iteration so a resumed run samples identically). */
  reseedSampling(seed: number): void {
    const r = new Rng(seed);
    this.rpnHead.reseedSampling(Math.floor(r.next() * 2 ** 32));
    this.roiHead.reseedSampling(Math.floor(r.next() * 2 ** 32));
  }
}

function checkBatch(b: DetBatch): void {
  const n = b.shape[0];
  for (const [name, list] of [['metas', b.metas], ['gtBoxes', b.gtBoxes], ['gtLabels', b.gtLabels], ['gtBoxesIgnore', b.gtBoxesIgnore], ['gtMasks', b.gtMasks]] as const) {
    if (list.length !== n) throw new Error(`models/mask-rcnn: the batch has ${n} images but ${list.length} ${name}`);
  }
  if (b.images.length !== b.shape[0] * b.shape[1] * b.shape[2] * b.shape[3]) throw new Error(`models/mask-rcnn: ${b.images.length} pixel values do not fill shape [${b.shape.join(', ')}]`);
}
