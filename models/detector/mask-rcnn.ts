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
import type { Backbone, ShapeSpec } from '../../core/types/backbone.js';
import { MilaBackbone } from '../../backbones/mila/index.js';
import type { DetBatch, ImageMeta } from '../../core/types/data.js';
import { FPN, fpnOutShapes } from '../../necks/fpn.js';
import { RPNHead, type ProposalSettings, type RPNTrainSettings } from '../../heads/det/rpn-head.js';
import { StandardRoIHead } from '../../heads/det/roi/standard-roi-head.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import type { AssignerConfig, DetBackboneConfig, MaskRCNNConfig, RPNProposalConfig, SamplerConfig } from './mask-rcnn-config.js';
import type { LossTerms, TrainableModel } from '../types.js';

/** An Rng whose stream can be restarted from a new seed while its holders keep the same object. */
class ReseedableRng extends Rng {
  private inner: Rng;

  constructor(seed: number) {
    super(seed);
    this.inner = new Rng(seed);
  }

  override next(): number {
    return this.inner.next();
  }

  reseed(seed: number): void {
    this.inner = new Rng(seed);
  }
}

export interface MaskRCNNOptions {
  /** A backbone to use instead of the one `cfg.backbone` describes (anything implementing the contract). */
  backbone?: Backbone;
  /** Seed of the RPN and RoI samplers. */
  seed?: number;
}

/** Build the backbone a detector config names (a 'Custom' one must be passed in, see MaskRCNNOptions). */
export function buildDetBackbone(cfg: DetBackboneConfig): Backbone {
  switch (cfg.type) {
    case 'MILA': {
      const { embedDim, depths, numHeads, mlpRatio, qkvBias, dropRate, dropPathRate, outIndices } = cfg;
      // Configs stored before useCheckpoint existed lack the key: off, as the official default.
      const useCheckpoint = cfg.useCheckpoint === true;
      return new MilaBackbone({ embedDim, depths: [...depths], numHeads: [...numHeads], mlpRatio, qkvBias, dropRate, dropPathRate, outIndices: [...outIndices], useCheckpoint });
    }
    case 'Custom':
      throw new Error(`models/mask-rcnn: the config's backbone is the custom '${cfg.name}': pass it as new MaskRCNN(cfg, { backbone })`);
    default:
      throw new Error(`models/mask-rcnn: unknown backbone type ${JSON.stringify((cfg as { type: unknown }).type)} (expected 'MILA' or 'Custom')`);
  }
}

function assignerOptions(a: AssignerConfig) {
  return { posIouThr: a.posIouThr, negIouThr: a.negIouThr, minPosIou: a.minPosIou, matchLowQuality: a.matchLowQuality, ignoreIofThr: a.ignoreIofThr, gtMaxAssignAll: a.gtMaxAssignAll };
}

function samplerOptions(s: SamplerConfig) {
  return { num: s.num, posFraction: s.posFraction, negPosUb: s.negPosUb, addGtAsProposals: s.addGtAsProposals };
}

function proposalSettings(p: RPNProposalConfig): ProposalSettings {
  return { nmsPre: p.nmsPre, maxPerImg: p.maxPerImg, nmsIouThr: p.nms.iouThreshold, minBboxSize: p.minBboxSize };
}

/** The neck must read what the backbone gives, and the anchors / RoI levels must sit at the FPN's strides. */
function checkShapes(cfg: MaskRCNNConfig, backboneShapes: readonly ShapeSpec[], fpnShapes: readonly ShapeSpec[]): void {
  const where = 'models/mask-rcnn';
  const got = backboneShapes.map((s) => s.channels);
  if (cfg.backbone.type === 'Custom') {
    const declared = cfg.backbone;
    if (declared.outChannels.join() !== got.join() || declared.strides.join() !== backboneShapes.map((s) => s.stride).join()) {
      throw new Error(`${where}: the config declares backbone '${declared.name}' with channels [${declared.outChannels.join(', ')}] and strides [${declared.strides.join(', ')}], but the backbone passed gives channels [${got.join(', ')}] and strides [${backboneShapes.map((s) => s.stride).join(', ')}]`);
    }
  }
  if (got.join() !== cfg.neck.inChannels.join()) {
    throw new Error(`${where}: the neck expects channels [${cfg.neck.inChannels.join(', ')}] but the backbone gives [${got.join(', ')}]`);
  }
  const strides = fpnShapes.map((s) => s.stride);
  const anchors = cfg.rpnHead.anchorGenerator.strides;
  if (anchors.join() !== strides.join()) throw new Error(`${where}: anchor strides [${anchors.join(', ')}] differ from the FPN output strides [${strides.join(', ')}]`);
  for (const ext of [cfg.roiHead.bboxRoiExtractor, cfg.roiHead.maskRoiExtractor]) {
    const want = ext.featmapStrides.join();
    if (want !== strides.slice(0, ext.featmapStrides.length).join()) {
      throw new Error(`${where}: RoI featmap strides [${ext.featmapStrides.join(', ')}] differ from the FPN's [${strides.join(', ')}]`);
    }
  }
  if (cfg.rpnHead.inChannels !== cfg.neck.outChannels || cfg.roiHead.bboxHead.inChannels !== cfg.neck.outChannels || cfg.roiHead.maskHead.inChannels !== cfg.neck.outChannels) {
    throw new Error(`${where}: the RPN and RoI heads must take the FPN's ${cfg.neck.outChannels} channels`);
  }
}

export class MaskRCNN extends Module implements TrainableModel<DetBatch> {
  readonly backbone: Backbone;
  readonly neck: FPN;
  readonly rpnHead: RPNHead;
  readonly roiHead: StandardRoIHead;
  private readonly rpnTrain: RPNTrainSettings;
  private readonly roiRng: ReseedableRng;

  constructor(readonly cfg: MaskRCNNConfig, opts: MaskRCNNOptions = {}) {
    super();
    if (cfg.type !== 'MaskRCNN') throw new Error(`models/mask-rcnn: config type is ${JSON.stringify(cfg.type)}, expected 'MaskRCNN'`);
    const backbone = opts.backbone ?? buildDetBackbone(cfg.backbone);
    try {
      checkShapes(cfg, backbone.outShapes, fpnOutShapes(backbone.outShapes, cfg.neck.outChannels, cfg.neck.numOuts));
    } catch (err) {
      if (!opts.backbone) backbone.dispose();
      throw err;
    }
    this.backbone = this.registerModule('backbone', backbone);
    this.neck = this.registerModule('neck', new FPN({ inChannels: cfg.neck.inChannels, outChannels: cfg.neck.outChannels, numOuts: cfg.neck.numOuts }));
    const rpn = cfg.rpnHead;
    const seeds = new Rng(opts.seed ?? 0);
    this.rpnHead = this.registerModule(
      'rpn_head',
      new RPNHead(
        {
          inChannels: rpn.inChannels,
          featChannels: rpn.featChannels,
          anchorGenerator: { strides: rpn.anchorGenerator.strides, ratios: rpn.anchorGenerator.ratios, scales: rpn.anchorGenerator.scales },
          targetMeans: rpn.bboxCoder.targetMeans,
          targetStds: rpn.bboxCoder.targetStds,
          lossClsWeight: rpn.lossCls.lossWeight,
          lossBboxWeight: rpn.lossBbox.lossWeight,
        },
        Math.floor(seeds.next() * 2 ** 32),
      ),
    );
    this.roiRng = new ReseedableRng(Math.floor(seeds.next() * 2 ** 32));
    this.roiHead = this.registerModule('roi_head', new StandardRoIHead(cfg.roiHead, cfg.trainCfg.rcnn, cfg.testCfg.rcnn, this.roiRng));
    const t = cfg.trainCfg.rpn;
    this.rpnTrain = { assigner: assignerOptions(t.assigner), sampler: samplerOptions(t.sampler), allowedBorder: t.allowedBorder, posWeight: t.posWeight };
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
    this.roiRng.reseed(Math.floor(r.next() * 2 ** 32));
  }
}

function checkBatch(b: DetBatch): void {
  const n = b.shape[0];
  for (const [name, list] of [['metas', b.metas], ['gtBoxes', b.gtBoxes], ['gtLabels', b.gtLabels], ['gtBoxesIgnore', b.gtBoxesIgnore], ['gtMasks', b.gtMasks]] as const) {
    if (list.length !== n) throw new Error(`models/mask-rcnn: the batch has ${n} images but ${list.length} ${name}`);
  }
  if (b.images.length !== b.shape[0] * b.shape[1] * b.shape[2] * b.shape[3]) throw new Error(`models/mask-rcnn: ${b.images.length} pixel values do not fill shape [${b.shape.join(', ')}]`);
}
