/**
 * mmdet 2.x RPNHead: a shared 3x3 conv + ReLU over every FPN level, then 1x1 convs to one sigmoid objectness
 * logit per anchor (`rpn_cls`, A channels) and 4 deltas per anchor (`rpn_reg`, 4A channels, anchor-major).
 * Convs are normal(0, 0.01) with zero bias (mmdet init_cfg Normal std 0.01).
 *
 * Training loss (AnchorHead.loss): targets per image (rpn-targets.ts), then over the batch
 *   loss_rpn_cls  = sum(w * BCEWithLogits(logit, target)) / avg
 *   loss_rpn_bbox = sum(w * |delta - target|) / avg          (L1, loss weight 1)
 * with avg = sum over images of max(#pos, 1) + max(#neg, 1) (mmdet's num_total_samples with sampling).
 * Proposals (rpn-proposals.ts) are computed from the detached outputs on the host.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';
import { Conv2d } from '../../core/layers/conv2d.js';
import { constant, normal } from '../../core/init.js';
import { assignFromHost } from '../../core/assign-host.js';
import { Rng } from '../../core/rng.js';
import { DeltaXYWHBBoxCoder, type Quad } from '../../core/boxes/delta-xywh-coder.js';
import { MaxIoUAssigner, type MaxIoUAssignerOptions } from '../../core/boxes/max-iou-assigner.js';
import { RandomSampler, type RandomSamplerOptions } from '../../core/boxes/random-sampler.js';
import type { ImageMeta } from '../../core/types/data.js';
import { AnchorGenerator, type AnchorGeneratorOptions, type FeatSize } from './anchor-generator.js';
import { rpnImageTargets, type RpnImageTargets } from './rpn-targets.js';
import { rpnImageProposals, type ProposalSettings, type Proposals } from './rpn-proposals.js';
import { registerHead } from '../../core/registry.js';
import { binaryCrossEntropyWithLogits } from '../../losses/binary-cross-entropy.js';
import { l1Loss } from '../../losses/l1.js';
import { weightedSum } from '../../losses/reduce.js';
import { assignerOptions, samplerOptions, type RPNHeadConfig, type RPNProposalConfig, type RPNTrainConfig } from './config.js';

export interface RPNHeadOptions {
  inChannels: number;
  featChannels: number;
  anchorGenerator: AnchorGeneratorOptions;
  /** DeltaXYWHBBoxCoder target means / stds (RPN: 0s / 1s). */
  targetMeans: Quad;
  targetStds: Quad;
  lossClsWeight: number;
  lossBboxWeight: number;
}

/** mmdet train_cfg.rpn. */
export interface RPNTrainSettings {
  assigner: MaxIoUAssignerOptions;
  sampler: RandomSamplerOptions;
  allowedBorder: number;
  posWeight: number;
}

export interface RPNOutputs {
  /** Per level [N, H, W, A] objectness logits. */
  clsScores: tf.Tensor4D[];
  /** Per level [N, H, W, 4A] deltas. */
  bboxPreds: tf.Tensor4D[];
}

export interface RPNLosses {
  loss_rpn_cls: tf.Scalar;
  loss_rpn_bbox: tf.Scalar;
}

function initNormalConv(conv: Conv2d, std: number): void {
  assignFromHost(conv.weight, normal(conv.weight.shape, std));
  if (conv.bias) assignFromHost(conv.bias, constant(conv.bias.shape, 0));
}

function featSizes(maps: readonly tf.Tensor4D[]): FeatSize[] {
  return maps.map((m) => [m.shape[1], m.shape[2]] as const);
}

export class RPNHead extends Module {
  readonly rpnConv: Conv2d;
  readonly rpnCls: Conv2d;
  readonly rpnReg: Conv2d;
  readonly anchorGenerator: AnchorGenerator;
  readonly coder: DeltaXYWHBBoxCoder;
  private sampleRng: Rng;

  constructor(readonly opts: RPNHeadOptions, seed = 0) {
    super();
    this.anchorGenerator = new AnchorGenerator(opts.anchorGenerator);
    const a = this.anchorGenerator.numBaseAnchors;
    this.rpnConv = this.registerModule('rpn_conv', new Conv2d(opts.inChannels, opts.featChannels, 3, { padding: 1 }));
    this.rpnCls = this.registerModule('rpn_cls', new Conv2d(opts.featChannels, a, 1));
    this.rpnReg = this.registerModule('rpn_reg', new Conv2d(opts.featChannels, 4 * a, 1));
    for (const c of [this.rpnConv, this.rpnCls, this.rpnReg]) initNormalConv(c, 0.01);
    this.coder = new DeltaXYWHBBoxCoder({ means: opts.targetMeans, stds: opts.targetStds });
    this.sampleRng = new Rng(seed);
  }

  /** Reseed the anchor sampler (the runner may do so per iteration so that a resumed run samples the same anchors). */
  reseedSampling(seed: number): void {
    this.sampleRng = new Rng(seed);
  }

  forward(feats: readonly tf.Tensor4D[]): RPNOutputs {
    const clsScores: tf.Tensor4D[] = [];
    const bboxPreds: tf.Tensor4D[] = [];
    for (const f of feats) {
      const [cls, reg] = tf.tidy(() => {
        const x = tf.relu(this.rpnConv.forward(f));
        return [this.rpnCls.forward(x) as tf.Tensor4D, this.rpnReg.forward(x) as tf.Tensor4D];
      });
      clsScores.push(cls);
      bboxPreds.push(reg);
    }
    return { clsScores, bboxPreds };
  }

  /** Anchors of all levels concatenated (T * 4) for these feature maps. */
  private allAnchors(sizes: FeatSize[]): { anchors: Float32Array; perLevel: Float32Array[] } {
    const perLevel = this.anchorGenerator.gridAnchors(sizes);
    const total = perLevel.reduce((s, a) => s + a.length, 0);
    const anchors = new Float32Array(total);
    let off = 0;
    for (const a of perLevel) {
      anchors.set(a, off);
      off += a.length;
    }
    return { anchors, perLevel };
  }

  /**
   * Per-image training targets (mmdet's AnchorHead.get_targets with sampling: assignment, sampled positives and
   * negatives, encoded deltas) for feature maps of these sizes. `numPos` / `numNeg` are the sample counts.
   */
  imageTargets(sizes: readonly FeatSize[], gtBoxes: readonly Float32Array[], metas: readonly ImageMeta[], gtBoxesIgnore: readonly (Float32Array | null)[], train: RPNTrainSettings): RpnImageTargets[] {
    const { anchors } = this.allAnchors([...sizes]);
    const assigner = new MaxIoUAssigner(train.assigner);
    const sampler = new RandomSampler(train.sampler, this.sampleRng);
    return metas.map((meta, i) => {
      const valid = concatFlags(this.anchorGenerator.validFlags(sizes, meta.padShape));
      return rpnImageTargets(
        { anchors, validFlags: valid, gtBoxes: gtBoxes[i]!, gtBoxesIgnore: gtBoxesIgnore[i] ?? null, imgShape: meta.imgShape },
        { assigner, sampler, coder: this.coder, allowedBorder: train.allowedBorder, posWeight: train.posWeight },
      );
    });
  }

  /** The RPN losses for a batch (targets on the host, losses as differentiable tensors). */
  loss(out: RPNOutputs, gtBoxes: readonly Float32Array[], metas: readonly ImageMeta[], gtBoxesIgnore: readonly (Float32Array | null)[], train: RPNTrainSettings): RPNLosses {
    const n = metas.length;
    const targets = this.imageTargets(featSizes(out.clsScores), gtBoxes, metas, gtBoxesIgnore, train);
    const numAnchors = targets[0]?.labels.length ?? 0;
    const labels = new Float32Array(n * numAnchors);
    const labelW = new Float32Array(n * numAnchors);
    const bboxT = new Float32Array(n * numAnchors * 4);
    const bboxW = new Float32Array(n * numAnchors * 4);
    let avg = 0;
    targets.forEach((t, i) => {
      labels.set(t.labels, i * numAnchors);
      labelW.set(t.labelWeights, i * numAnchors);
      bboxT.set(t.bboxTargets, i * numAnchors * 4);
      bboxW.set(t.bboxWeights, i * numAnchors * 4);
      avg += Math.max(t.numPos, 1) + Math.max(t.numNeg, 1);
    });
    return tf.tidy(() => {
      const logits = tf.concat(out.clsScores.map((c) => tf.reshape(c, [n, -1])), 1);
      const deltas = tf.concat(out.bboxPreds.map((c) => tf.reshape(c, [n, -1])), 1);
      const target = tf.tensor2d(labels, [n, numAnchors]);
      const bce = binaryCrossEntropyWithLogits(logits, target);
      const lossCls = weightedSum(bce, tf.tensor2d(labelW, [n, numAnchors]), avg);
      const l1 = l1Loss(deltas, tf.tensor2d(bboxT, [n, numAnchors * 4]));
      const lossBbox = weightedSum(l1, tf.tensor2d(bboxW, [n, numAnchors * 4]), avg);
      return {
        loss_rpn_cls: tf.mul(lossCls, this.opts.lossClsWeight) as tf.Scalar,
        loss_rpn_bbox: tf.mul(lossBbox, this.opts.lossBboxWeight) as tf.Scalar,
      };
    });
  }

  /** Proposals per image from the (detached) outputs, in each image's imgShape coordinates. */
  proposals(out: RPNOutputs, metas: readonly ImageMeta[], cfg: ProposalSettings): Proposals[] {
    const sizes = featSizes(out.clsScores);
    const { perLevel } = this.allAnchors(sizes);
    const logits = out.clsScores.map((t) => t.dataSync() as Float32Array);
    const deltas = out.bboxPreds.map((t) => t.dataSync() as Float32Array);
    return metas.map((meta, i) => {
      const levels = sizes.map(([h, w], l) => {
        const per = h * w * this.anchorGenerator.numBaseAnchors;
        return { logits: logits[l]!.subarray(i * per, (i + 1) * per), deltas: deltas[l]!.subarray(i * per * 4, (i + 1) * per * 4), anchors: perLevel[l]! };
      });
      return rpnImageProposals(levels, meta.imgShape, this.coder, cfg);
    });
  }
}

function concatFlags(levels: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(levels.reduce((s, l) => s + l.length, 0));
  let off = 0;
  for (const l of levels) {
    out.set(l, off);
    off += l.length;
  }
  return out;
}

export { type ProposalSettings, type Proposals } from './rpn-proposals.js';

/** The head's options from mmdet's `rpn_head` dict. */
export function rpnHeadOptions(c: RPNHeadConfig): RPNHeadOptions {
  return {
    inChannels: c.inChannels,
    featChannels: c.featChannels,
    anchorGenerator: { strides: c.anchorGenerator.strides, ratios: c.anchorGenerator.ratios, scales: c.anchorGenerator.scales },
    targetMeans: c.bboxCoder.targetMeans,
    targetStds: c.bboxCoder.targetStds,
    lossClsWeight: c.lossCls.lossWeight,
    lossBboxWeight: c.lossBbox.lossWeight,
  };
}

/** The loss settings from mmdet's `train_cfg.rpn`. */
export function rpnTrainSettings(t: RPNTrainConfig): RPNTrainSettings {
  return { assigner: assignerOptions(t.assigner), sampler: samplerOptions(t.sampler), allowedBorder: t.allowedBorder, posWeight: t.posWeight };
}

/** The proposal settings from mmdet's `train_cfg.rpn_proposal` / `test_cfg.rpn`. */
export function proposalSettings(p: RPNProposalConfig): ProposalSettings {
  return { nmsPre: p.nmsPre, maxPerImg: p.maxPerImg, nmsIouThr: p.nms.iouThreshold, minBboxSize: p.minBboxSize };
}

registerHead<RPNHeadConfig>('RPNHead', (cfg, ctx) => new RPNHead(rpnHeadOptions(cfg), ctx.seed));
