/**
 * The Mask R-CNN model config as plain data (JSON-serialisable, every option present), the TypeScript
 * counterpart of mmdet 2.x's `mask_rcnn_swin_fpn.py` model dict as used by the official MLLA configs. Names are
 * mmdet's in camelCase (`train_cfg.rpn_proposal.nms_pre` is `trainCfg.rpnProposal.nmsPre`).
 * `maskRcnnModel()` builds one with mmdet's values; presets change only what the official configs change.
 */
import type { Quad } from '../../core/boxes/delta-xywh-coder.js';
import type { MilaBackboneConfig, MilaConfig } from '../../backbones/mila/config.js';
import type { ComponentConfig } from '../../core/registry.js';
import type {
  CrossEntropyLossConfig,
  DeltaCoderConfig,
  L1LossConfig,
  RcnnTestConfig,
  RcnnTrainConfig,
  RoIExtractorConfig,
  RoIHeadConfig,
  RPNHeadConfig,
  RPNProposalConfig,
  RPNTrainConfig,
} from '../../heads/det/config.js';

/** The heads' own config dicts, part of this one. */
export type * from '../../heads/det/config.js';

/** The official MLLA detection backbone kwargs (downstream/detection/configs/mlla/*.py). */
export type MilaDetBackboneConfig = MilaBackboneConfig & Pick<MilaConfig, 'dropRate'>;

/**
 * A backbone the caller constructs and passes to `new MaskRCNN(cfg, { backbone })` (anything implementing the
 * Backbone contract); the config records only what it declares, so the heads can be checked against it.
 */
export interface CustomDetBackboneConfig {
  type: 'Custom';
  /** What the backbone is, for messages and stored configs. */
  name: string;
  outChannels: number[];
  strides: number[];
}

/** A backbone the presets name, one passed in by the caller, or any registered type (`registerBackbone`). */
export type DetBackboneConfig = MilaDetBackboneConfig | CustomDetBackboneConfig | ComponentConfig;

export interface FPNConfig {
  type: 'FPN';
  inChannels: number[];
  outChannels: number;
  numOuts: number;
}

export interface MaskRCNNTrainConfig {
  rpn: RPNTrainConfig;
  rpnProposal: RPNProposalConfig;
  rcnn: RcnnTrainConfig;
}

export interface MaskRCNNTestConfig {
  rpn: RPNProposalConfig;
  rcnn: RcnnTestConfig;
}

export interface MaskRCNNConfig {
  type: 'MaskRCNN';
  backbone: DetBackboneConfig;
  neck: FPNConfig;
  rpnHead: RPNHeadConfig;
  roiHead: RoIHeadConfig;
  trainCfg: MaskRCNNTrainConfig;
  testCfg: MaskRCNNTestConfig;
}

/** The sizes a preset may change; everything else is mmdet's default Mask R-CNN. */
export interface MaskRCNNSizes {
  /** Channels of the backbone outputs the FPN reads (MILA-T/S: 64, 128, 256, 512). */
  inChannels: number[];
  numClasses: number;
  /** FPN / RPN / RoI channels (mmdet 256). */
  fpnChannels?: number;
  /** Shared FC width of the box head (mmdet 1024). */
  fcOutChannels?: number;
  /** Mask head convs (mmdet 4) and their channels (mmdet 256). */
  maskConvs?: number;
  maskConvChannels?: number;
  /** RPN proposals kept per image, train / test (mmdet 2000 pre-NMS, 1000 kept / 1000, 1000). */
  trainNmsPre?: number;
  trainProposals?: number;
  testNmsPre?: number;
  testProposals?: number;
  /** RoI sampler size (mmdet 512). */
  rcnnSamples?: number;
  /** Detections per image at test (mmdet 100). */
  maxPerImg?: number;
}

const ce = (useSigmoid: boolean, useMask = false): CrossEntropyLossConfig => ({ type: 'CrossEntropyLoss', useSigmoid, useMask, lossWeight: 1.0 });
const l1 = (): L1LossConfig => ({ type: 'L1Loss', lossWeight: 1.0 });
const coder = (stds: Quad): DeltaCoderConfig => ({ type: 'DeltaXYWHBBoxCoder', targetMeans: [0, 0, 0, 0], targetStds: stds });
const extractor = (outputSize: number, channels: number): RoIExtractorConfig => ({
  type: 'SingleRoIExtractor',
  roiLayer: { type: 'RoIAlign', outputSize, samplingRatio: 0 },
  outChannels: channels,
  featmapStrides: [4, 8, 16, 32],
  finestScale: 56,
});

/** mask_rcnn_swin_fpn.py (mmdet 2.x Mask R-CNN FPN) around `backbone`, with `sizes` applied. */
export function maskRcnnModel(backbone: DetBackboneConfig, sizes: MaskRCNNSizes): MaskRCNNConfig {
  const ch = sizes.fpnChannels ?? 256;
  const numClasses = sizes.numClasses;
  return {
    type: 'MaskRCNN',
    backbone,
    neck: { type: 'FPN', inChannels: [...sizes.inChannels], outChannels: ch, numOuts: 5 },
    rpnHead: {
      type: 'RPNHead',
      inChannels: ch,
      featChannels: ch,
      anchorGenerator: { type: 'AnchorGenerator', scales: [8], ratios: [0.5, 1.0, 2.0], strides: [4, 8, 16, 32, 64] },
      bboxCoder: coder([1, 1, 1, 1]),
      lossCls: ce(true),
      lossBbox: l1(),
    },
    roiHead: {
      type: 'StandardRoIHead',
      bboxRoiExtractor: extractor(7, ch),
      bboxHead: {
        type: 'Shared2FCBBoxHead',
        inChannels: ch,
        fcOutChannels: sizes.fcOutChannels ?? 1024,
        roiFeatSize: 7,
        numClasses,
        bboxCoder: coder([0.1, 0.1, 0.2, 0.2]),
        regClassAgnostic: false,
        lossCls: ce(false),
        lossBbox: l1(),
      },
      maskRoiExtractor: extractor(14, ch),
      maskHead: { type: 'FCNMaskHead', numConvs: sizes.maskConvs ?? 4, inChannels: ch, convOutChannels: sizes.maskConvChannels ?? 256, numClasses, lossMask: ce(false, true) },
    },
    trainCfg: {
      rpn: {
        assigner: { type: 'MaxIoUAssigner', posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true, ignoreIofThr: -1, gtMaxAssignAll: true },
        sampler: { type: 'RandomSampler', num: 256, posFraction: 0.5, negPosUb: -1, addGtAsProposals: false },
        allowedBorder: -1,
        posWeight: -1,
      },
      rpnProposal: { nmsPre: sizes.trainNmsPre ?? 2000, maxPerImg: sizes.trainProposals ?? 1000, nms: { type: 'nms', iouThreshold: 0.7 }, minBboxSize: 0 },
      rcnn: {
        assigner: { type: 'MaxIoUAssigner', posIouThr: 0.5, negIouThr: 0.5, minPosIou: 0.5, matchLowQuality: true, ignoreIofThr: -1, gtMaxAssignAll: true },
        sampler: { type: 'RandomSampler', num: sizes.rcnnSamples ?? 512, posFraction: 0.25, negPosUb: -1, addGtAsProposals: true },
        maskSize: 28,
        posWeight: -1,
      },
    },
    testCfg: {
      rpn: { nmsPre: sizes.testNmsPre ?? 1000, maxPerImg: sizes.testProposals ?? 1000, nms: { type: 'nms', iouThreshold: 0.7 }, minBboxSize: 0 },
      rcnn: { scoreThr: 0.05, nms: { type: 'nms', iouThreshold: 0.5 }, maxPerImg: sizes.maxPerImg ?? 100, maskThrBinary: 0.5 },
    },
  };
}

/** The MLLA detection backbone dict of the official configs. */
export function milaDetBackbone(embedDim: number, depths: number[], numHeads: number[], dropPathRate: number): MilaDetBackboneConfig {
  return { type: 'MILA', embedDim, depths: [...depths], numHeads: [...numHeads], mlpRatio: 4, qkvBias: true, dropRate: 0, dropPathRate, outIndices: [0, 1, 2, 3], useCheckpoint: false };
}

/** Channels of the backbone outputs a config declares (stage i of MILA has embedDim * 2^i). */
export function backboneOutChannels(b: MilaDetBackboneConfig | CustomDetBackboneConfig): number[] {
  return b.type === 'Custom' ? [...b.outChannels] : b.outIndices.map((i) => b.embedDim * 2 ** i);
}

/** The config entry for a caller-built backbone, from its declared output shapes. */
export function customDetBackbone(name: string, outShapes: readonly { channels: number; stride: number }[]): CustomDetBackboneConfig {
  return { type: 'Custom', name, outChannels: outShapes.map((s) => s.channels), strides: outShapes.map((s) => s.stride) };
}
