/**
 * The config dicts of the detection heads (mmdet 2.x's `rpn_head`, `roi_head`, `train_cfg.rpn` / `rcnn`, `test_cfg.rcnn`)
 * as plain data, in camelCase. The heads take them as they are; `models/detector/mask-rcnn-config.ts` assembles them
 * into the whole model's config.
 */
import type { Quad } from '../../core/boxes/delta-xywh-coder.js';
import type { MaxIoUAssignerOptions } from '../../core/boxes/max-iou-assigner.js';
import type { RandomSamplerOptions } from '../../core/boxes/random-sampler.js';

export interface AnchorGeneratorConfig {
  type: 'AnchorGenerator';
  scales: number[];
  ratios: number[];
  strides: number[];
}

export interface DeltaCoderConfig {
  type: 'DeltaXYWHBBoxCoder';
  targetMeans: Quad;
  targetStds: Quad;
}

export interface CrossEntropyLossConfig {
  type: 'CrossEntropyLoss';
  useSigmoid: boolean;
  useMask: boolean;
  lossWeight: number;
}

export interface L1LossConfig {
  type: 'L1Loss';
  lossWeight: number;
}

export interface RPNHeadConfig {
  type: 'RPNHead';
  inChannels: number;
  featChannels: number;
  anchorGenerator: AnchorGeneratorConfig;
  bboxCoder: DeltaCoderConfig;
  lossCls: CrossEntropyLossConfig;
  lossBbox: L1LossConfig;
}

export interface RoIExtractorConfig {
  type: 'SingleRoIExtractor';
  roiLayer: { type: 'RoIAlign'; outputSize: number; samplingRatio: number };
  outChannels: number;
  featmapStrides: number[];
  finestScale: number;
}

export interface BBoxHeadConfig {
  type: 'Shared2FCBBoxHead';
  inChannels: number;
  fcOutChannels: number;
  roiFeatSize: number;
  numClasses: number;
  bboxCoder: DeltaCoderConfig;
  regClassAgnostic: boolean;
  lossCls: CrossEntropyLossConfig;
  lossBbox: L1LossConfig;
}

export interface MaskHeadConfig {
  type: 'FCNMaskHead';
  numConvs: number;
  inChannels: number;
  convOutChannels: number;
  numClasses: number;
  lossMask: CrossEntropyLossConfig;
}

export interface RoIHeadConfig {
  type: 'StandardRoIHead';
  bboxRoiExtractor: RoIExtractorConfig;
  bboxHead: BBoxHeadConfig;
  maskRoiExtractor: RoIExtractorConfig;
  maskHead: MaskHeadConfig;
}

export interface AssignerConfig {
  type: 'MaxIoUAssigner';
  posIouThr: number;
  negIouThr: number;
  minPosIou: number;
  matchLowQuality: boolean;
  ignoreIofThr: number;
  gtMaxAssignAll: boolean;
}

export interface SamplerConfig {
  type: 'RandomSampler';
  num: number;
  posFraction: number;
  negPosUb: number;
  addGtAsProposals: boolean;
}

export interface NmsConfig {
  type: 'nms';
  iouThreshold: number;
}

/** train_cfg.rpn_proposal / test_cfg.rpn. */
export interface RPNProposalConfig {
  nmsPre: number;
  maxPerImg: number;
  nms: NmsConfig;
  minBboxSize: number;
}

/** train_cfg.rpn: anchor assignment and sampling of the RPN loss. */
export interface RPNTrainConfig {
  assigner: AssignerConfig;
  sampler: SamplerConfig;
  allowedBorder: number;
  posWeight: number;
}

/** train_cfg.rcnn: RoI assignment and sampling, mask target size. */
export interface RcnnTrainConfig {
  assigner: AssignerConfig;
  sampler: SamplerConfig;
  maskSize: number;
  posWeight: number;
}

/** test_cfg.rcnn: score threshold, class-wise NMS, detections per image, mask binarisation. */
export interface RcnnTestConfig {
  scoreThr: number;
  nms: NmsConfig;
  maxPerImg: number;
  maskThrBinary: number;
}

/** The box assigner's options from its config dict. */
export function assignerOptions(a: AssignerConfig): MaxIoUAssignerOptions {
  return { posIouThr: a.posIouThr, negIouThr: a.negIouThr, minPosIou: a.minPosIou, matchLowQuality: a.matchLowQuality, ignoreIofThr: a.ignoreIofThr, gtMaxAssignAll: a.gtMaxAssignAll };
}

/** The sampler's options from its config dict. */
export function samplerOptions(s: SamplerConfig): RandomSamplerOptions {
  return { num: s.num, posFraction: s.posFraction, negPosUb: s.negPosUb, addGtAsProposals: s.addGtAsProposals };
}
