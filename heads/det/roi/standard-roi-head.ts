import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../../core/module.js';
import { ReseedableRng, Rng } from '../../../core/rng.js';
import { registerHead } from '../../../core/registry.js';
import { DeltaXYWHBBoxCoder, MaxIoUAssigner, RandomSampler, type SamplingResult } from '../../../core/boxes/index.js';
import type { BitmapMasks, ImageMeta } from '../../../core/types/data.js';
import { assignerOptions, samplerOptions, type RcnnTestConfig, type RcnnTrainConfig, type RoIHeadConfig } from '../config.js';
import type { DetectionResult } from '../../../core/types/detection-result.js';
import { bboxHeadLoss } from './bbox-loss.js';
import { bboxTargets } from './bbox-targets.js';
import { FCNMaskHead, maskHeadLoss } from './fcn-mask-head.js';
import { maskTargets } from './mask-target.js';
import { bboxPostprocess, maskPostprocess } from './roi-postprocess.js';
import { Shared2FCBBoxHead } from './shared2fc-bbox-head.js';
import { SingleRoIExtractor } from './single-roi-extractor.js';

export type { RcnnTestConfig, RcnnTrainConfig };

/** What the RoI head needs of a training batch (host arrays, boxes x1y1x2y2 in imgShape coordinates). */
export interface RoiTrainTargets {
  gtBoxes: readonly Float32Array[];
  gtLabels: readonly Int32Array[];
  gtBoxesIgnore?: readonly Float32Array[];
  /** Per image the instance masks (imgShape or padShape canvas); required when the head has a mask branch. */
  gtMasks: readonly (BitmapMasks | null)[];
}

export interface RoiLosses {
  loss_cls: tf.Scalar;
  loss_bbox: tf.Scalar;
  loss_mask: tf.Scalar;
  /** Classification accuracy of the sampled RoIs in percent (mmdet's `acc`; logged, not a loss). */
  acc: tf.Scalar;
}

/** Rows [batch_idx, x1, y1, x2, y2] for per-image box lists (mmdet's bbox2roi). */
export function bbox2roi(boxLists: readonly Float32Array[]): Float32Array {
  const total = boxLists.reduce((s, b) => s + b.length / 4, 0);
  const rois = new Float32Array(total * 5);
  let k = 0;
  boxLists.forEach((boxes, img) => {
    for (let i = 0; i < boxes.length / 4; i++, k++) {
      rois[k * 5] = img;
      for (let c = 0; c < 4; c++) rois[k * 5 + 1 + c] = boxes[i * 4 + c]!;
    }
  });
  return rois;
}

/**
 * mmdet 2.x StandardRoIHead with a Shared2FCBBoxHead and an FCNMaskHead (children `bbox_head`, `mask_head`;
 * the detector registers this module as `roi_head`). Training: per image MaxIoU assignment of the proposals,
 * random sampling with the gts added as proposals, box losses on the sampled RoIs and mask losses on the
 * positives. Test: class-wise NMS of the decoded boxes, then masks predicted on the kept boxes and pasted into
 * the original image (flip and resize undone here, from each image's meta).
 */
export class StandardRoIHead extends Module {
  readonly numClasses: number;
  readonly bboxHead: Shared2FCBBoxHead;
  readonly maskHead: FCNMaskHead;
  readonly bboxRoiExtractor: SingleRoIExtractor;
  readonly maskRoiExtractor: SingleRoIExtractor;
  readonly coder: DeltaXYWHBBoxCoder;
  private readonly assigner: MaxIoUAssigner;
  private readonly sampler: RandomSampler;
  private readonly sampleRng: ReseedableRng;

  constructor(
    readonly cfg: RoIHeadConfig,
    readonly trainCfg: RcnnTrainConfig,
    readonly testCfg: RcnnTestConfig,
    rng: Rng = new Rng(0),
  ) {
    super();
    const bh = cfg.bboxHead;
    this.numClasses = bh.numClasses;
    if (cfg.maskHead.numClasses !== bh.numClasses) {
      throw new Error(`heads/det/roi: box head has ${bh.numClasses} classes but mask head ${cfg.maskHead.numClasses}`);
    }
    this.bboxHead = this.registerModule(
      'bbox_head',
      new Shared2FCBBoxHead({ numClasses: bh.numClasses, inChannels: bh.inChannels, roiFeatSize: bh.roiFeatSize, fcOutChannels: bh.fcOutChannels }),
    );
    const mh = cfg.maskHead;
    this.maskHead = this.registerModule(
      'mask_head',
      new FCNMaskHead({ numClasses: mh.numClasses, inChannels: mh.inChannels, convOutChannels: mh.convOutChannels, numConvs: mh.numConvs }),
    );
    const ext = (e: RoIHeadConfig['bboxRoiExtractor']) =>
      new SingleRoIExtractor({ outSize: e.roiLayer.outputSize, featmapStrides: e.featmapStrides, finestScale: e.finestScale, samplingRatio: e.roiLayer.samplingRatio });
    this.bboxRoiExtractor = ext(cfg.bboxRoiExtractor);
    this.maskRoiExtractor = ext(cfg.maskRoiExtractor);
    this.coder = new DeltaXYWHBBoxCoder({ means: bh.bboxCoder.targetMeans, stds: bh.bboxCoder.targetStds });
    this.assigner = new MaxIoUAssigner(assignerOptions(trainCfg.assigner));
    this.sampleRng = new ReseedableRng(rng);
    this.sampler = new RandomSampler(samplerOptions(trainCfg.sampler), this.sampleRng);
  }

  /** Restart the RoI sampler's stream (the runner does so per iteration, so a resumed run samples the same RoIs). */
  reseedSampling(seed: number): void {
    this.sampleRng.reseed(seed);
  }

  /** Assign and sample each image's proposals (n * 4, host) against its gts, as mmdet's forward_train. */
  sample(proposals: readonly Float32Array[], t: RoiTrainTargets): SamplingResult[] {
    return proposals.map((props, i) => {
      const gtBoxes = t.gtBoxes[i]!;
      const gtLabels = t.gtLabels[i]!;
      const assign = this.assigner.assign(props, gtBoxes, t.gtBoxesIgnore?.[i] ?? null, gtLabels);
      return this.sampler.sample(assign, props, gtBoxes, gtLabels);
    });
  }

  /**
   * Training losses. `feats` are the FPN levels (finest first; P6 may be included and is unused), `proposals`
   * the RPN's per-image boxes (n * 4, imgShape coordinates, no gradient). Call inside the runner's gradient scope.
   */
  forwardTrain(feats: readonly tf.Tensor4D[], proposals: readonly Float32Array[], t: RoiTrainTargets): RoiLosses {
    const results = this.sample(proposals, t);
    const rois = bbox2roi(results.map((r) => concatBoxes(r.posBboxes, r.negBboxes)));
    const targets = bboxTargets(results, this.coder, this.numClasses);
    return tf.tidy(() => {
      const boxFeats = this.bboxRoiExtractor.forward(feats, rois);
      const { clsScore, bboxPred } = this.bboxHead.forward(boxFeats);
      const { loss_cls, loss_bbox, acc } = bboxHeadLoss(clsScore, bboxPred, targets, this.numClasses);

      const posRois = bbox2roi(results.map((r) => r.posBboxes));
      const numPos = posRois.length / 5;
      let lossMask: tf.Scalar;
      if (numPos === 0) {
        lossMask = tf.scalar(0);
      } else {
        const posLabels = new Int32Array(numPos);
        const maskTgt = new Float32Array(numPos * this.trainCfg.maskSize * this.trainCfg.maskSize);
        let k = 0;
        results.forEach((r, i) => {
          const p = r.posInds.length;
          if (p === 0) return;
          const masks = t.gtMasks[i];
          if (!masks) throw new Error(`heads/det/roi: image ${i} has positives but no gt masks`);
          maskTgt.set(maskTargets(r.posBboxes, r.posAssignedGtInds, masks, this.trainCfg.maskSize), k * this.trainCfg.maskSize ** 2);
          posLabels.set(r.posGtLabels!, k);
          k += p;
        });
        const maskPred = this.maskHead.forward(this.maskRoiExtractor.forward(feats, posRois));
        if (maskPred.shape[1] !== this.trainCfg.maskSize) {
          throw new Error(`heads/det/roi: mask head predicts ${maskPred.shape[1]}x${maskPred.shape[2]} but mask_size is ${this.trainCfg.maskSize}`);
        }
        lossMask = maskHeadLoss(maskPred, maskTgt, posLabels);
      }
      // in mmdet's order (bbox_head.loss gives loss_cls, acc, loss_bbox), which is the log line's order
      return { loss_cls, acc, loss_bbox, loss_mask: lossMask };
    });
  }

  /**
   * Test-time detections per image, in original-image coordinates (mmdet simple_test with rescale=True):
   * softmax scores, class-specific decoding clipped to imgShape, score_thr, class-wise NMS, max_per_img; then
   * masks predicted on the kept boxes, pasted into the original image and thresholded.
   */
  simpleTest(feats: readonly tf.Tensor4D[], proposals: readonly Float32Array[], metas: readonly ImageMeta[], withMask = true): DetectionResult[] {
    const rois = bbox2roi(proposals);
    const n = rois.length / 5;
    let cls: Float32Array = new Float32Array(0);
    let deltas: Float32Array = new Float32Array(0);
    if (n > 0) {
      const { clsScore, bboxPred } = tf.tidy(() => this.bboxHead.forward(this.bboxRoiExtractor.forward(feats, rois)));
      cls = clsScore.dataSync() as Float32Array;
      deltas = bboxPred.dataSync() as Float32Array;
      tf.dispose([clsScore, bboxPred]);
    }
    const dets = bboxPostprocess(proposals, cls, deltas, metas, this.coder, this.numClasses, this.testCfg);
    if (!withMask) return dets.map((d) => ({ boxes: d.oriBoxes, scores: d.scores, labels: d.labels, masks: null }));

    const maskRois = bbox2roi(dets.map((d) => d.imgBoxes));
    const m = maskRois.length / 5;
    let probs: Float32Array = new Float32Array(0);
    const s = this.trainCfg.maskSize;
    if (m > 0) {
      const labels = Int32Array.from(dets.flatMap((d) => Array.from(d.labels)));
      const out = tf.tidy(() => {
        const pred = this.maskHead.forward(this.maskRoiExtractor.forward(feats, maskRois));
        const [r, ph, pw, k] = pred.shape;
        const onehot = tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), k), [r, 1, 1, k]);
        return tf.sigmoid(tf.sum(tf.mul(pred, onehot), 3)) as tf.Tensor3D;
      });
      if (out.shape[1] !== s) throw new Error(`heads/det/roi: mask head predicts ${out.shape[1]}x${out.shape[2]} but mask_size is ${s}`);
      probs = out.dataSync() as Float32Array;
      out.dispose();
    }
    let offset = 0;
    return dets.map((d, i) => {
      const count = d.scores.length;
      const masks = maskPostprocess(probs.subarray(offset * s * s, (offset + count) * s * s), s, d.oriBoxes, metas[i]!, this.testCfg.maskThrBinary);
      offset += count;
      return { boxes: d.oriBoxes, scores: d.scores, labels: d.labels, masks };
    });
  }
}

function concatBoxes(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

registerHead<RoIHeadConfig>('StandardRoIHead', (cfg, ctx) => new StandardRoIHead(cfg, ctx.trainCfg as RcnnTrainConfig, ctx.testCfg as RcnnTestConfig, new Rng(ctx.seed)));
