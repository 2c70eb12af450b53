import type { BuiltinSegBackboneConfig, EncoderDecoderConfig, MilaSegBackboneConfig } from '../models/segmentor/encoder-decoder.js';
import type { FCNHeadConfig } from '../heads/seg/fcn-head.js';
import type { UPerHeadConfig } from '../heads/seg/uper-head.js';
import { registerConfigs } from './registry.js';
import { MLLA_SEGMENTATION_PARAMWISE, polySchedule, type DataConfig, type ExperimentConfig, type TransformStep } from './types.js';

/**
 * UperNet presets: the official MLLA ADE20K config (LeapLabTHU/MLLA downstream/segmentation/configs/mlla/
 * mlla_b_upernet.py over mmseg's upernet_swin.py, ade20k.py, schedule_160k.py), its T and S variants, and
 * small configs sized for a 2-core CPU.
 */

export type UperNetExperiment = ExperimentConfig<EncoderDecoderConfig>;

const ADE20K_CLASSES_COUNT = 150;
const IMG_NORM = { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true } as const;

function mila(embedDim: number, depths: number[], numHeads: number[], dropPathRate: number): MilaSegBackboneConfig {
  return { type: 'MILA', embedDim, depths, numHeads, mlpRatio: 4, qkvBias: true, dropPathRate, outIndices: [0, 1, 2, 3], useCheckpoint: false };
}

function stageChannels(b: BuiltinSegBackboneConfig): number[] {
  return b.type === 'MILA' ? [0, 1, 2, 3].map((i) => b.embedDim * 2 ** i) : [...b.channels];
}

/** upernet_swin.py's heads: UPerHead (512 ch, pools 1/2/3/6) on all stages, FCNHead (256 ch, 1 conv, weight 0.4) on stage 3. */
function uperNetModel(backbone: BuiltinSegBackboneConfig, opts: { channels?: number; auxChannels?: number; numClasses?: number } = {}): EncoderDecoderConfig {
  const inChannels = stageChannels(backbone);
  const numClasses = opts.numClasses ?? ADE20K_CLASSES_COUNT;
  const decodeHead: UPerHeadConfig = {
    type: 'UPerHead',
    inChannels,
    inIndex: [0, 1, 2, 3],
    poolScales: [1, 2, 3, 6],
    channels: opts.channels ?? 512,
    numClasses,
    dropoutRatio: 0.1,
    lossWeight: 1.0,
    ignoreIndex: 255,
    avgNonIgnore: false,
  };
  const auxiliaryHead: FCNHeadConfig = {
    type: 'FCNHead',
    inChannels: [inChannels[2]!],
    inIndex: [2],
    channels: opts.auxChannels ?? 256,
    numConvs: 1,
    kernelSize: 3,
    concatInput: false,
    numClasses,
    dropoutRatio: 0.1,
    lossWeight: 0.4,
    ignoreIndex: 255,
    avgNonIgnore: false,
  };
  return { type: 'EncoderDecoder', backbone, decodeHead, auxiliaryHead, testCfg: { mode: 'whole', cropSize: [512, 512], stride: [341, 341] } };
}

/** mmseg's configs/_base_/datasets/ade20k.py, with the crop and test scale as parameters. */
function ade20kData(root: string, crop: number, testScale: [number, number], samplesPerGpu: number): DataConfig {
  const train: TransformStep[] = [
    { type: 'LoadImageFromFile' },
    { type: 'LoadAnnotations', reduceZeroLabel: true },
    { type: 'Resize', imgScale: [testScale[0], testScale[1]], ratioRange: [0.5, 2.0] },
    { type: 'RandomCrop', cropSize: [crop, crop], catMaxRatio: 0.75 },
    { type: 'RandomFlip', prob: 0.5 },
    { type: 'PhotoMetricDistortion' },
    { ...IMG_NORM, mean: [...IMG_NORM.mean], std: [...IMG_NORM.std] },
    { type: 'Pad', size: [crop, crop], padVal: 0, segPadVal: 255 },
    { type: 'DefaultFormatBundle' },
    { type: 'Collect', keys: ['img', 'gt_semantic_seg'] },
  ];
  const test: TransformStep[] = [
    { type: 'LoadImageFromFile' },
    {
      type: 'MultiScaleFlipAug',
      imgScale: [testScale[0], testScale[1]],
      imgRatios: null,
      flip: false,
      transforms: [
        { type: 'Resize', keepRatio: true },
        { type: 'RandomFlip' },
        { ...IMG_NORM, mean: [...IMG_NORM.mean], std: [...IMG_NORM.std] },
        { type: 'ImageToTensor', keys: ['img'] },
        { type: 'Collect', keys: ['img'] },
      ],
    },
  ];
  return {
    type: 'ADE20KDataset',
    root,
    classes: null,
    samplesPerGpu,
    workersPerGpu: 4,
    train: { annFile: null, imgPrefix: 'images/training', segPrefix: 'annotations/training', pipeline: train },
    val: { annFile: null, imgPrefix: 'images/validation', segPrefix: 'annotations/validation', pipeline: test },
    test: { annFile: null, imgPrefix: 'images/validation', segPrefix: 'annotations/validation', pipeline: structuredClone(test) },
  };
}

/** The official 160k ADE20K recipe: AdamW 6e-5, wd 0.01 (none on norms), poly with 1,500 warm-up iterations, 2 images/GPU. */
function ade20k160k(name: string, backbone: BuiltinSegBackboneConfig): UperNetExperiment {
  return {
    name,
    task: 'segmentation',
    model: uperNetModel(backbone),
    data: ade20kData('data/ade/ADEChallengeData2016', 512, [2048, 512], 2),
    optimizer: { type: 'AdamW', lr: 6e-5, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, paramwise: structuredClone(MLLA_SEGMENTATION_PARAMWISE), gradClip: null },
    lrConfig: polySchedule(),
    runner: { type: 'iter', max: 160000, evalInterval: 16000, checkpointInterval: 16000, logInterval: 50 },
    evaluation: { metrics: ['mIoU'] },
    seed: 0,
    backboneWeights: null,
    customImports: [],
    customHooks: [],
  };
}

/** The official MLLA-B UperNet (mlla_b_upernet.py): 127,637,468 parameters. */
export const UPERNET_MILA_B = ade20k160k('upernet_mila_b_512x512_160k_ade20k', mila(96, [3, 6, 21, 6], [3, 6, 12, 24], 0.5));
/** T and S with MLLA-T/S shapes; the official repo publishes only B, so drop-path follows Swin's UperNet T/S (0.3). */
export const UPERNET_MILA_T = ade20k160k('upernet_mila_t_512x512_160k_ade20k', mila(64, [2, 4, 8, 4], [2, 4, 8, 16], 0.3));
export const UPERNET_MILA_S = ade20k160k('upernet_mila_s_512x512_160k_ade20k', mila(64, [3, 6, 21, 6], [2, 4, 8, 16], 0.3));

/**
 * A config this machine (2 CPU cores) can train in minutes: a small MILA (16 channels, one block per stage),
 * 64-channel heads, 128x128 crops, 2,000 iterations, lr 1e-3 with 100 warm-up iterations. Reads an ADE20K-format
 * folder (`mila make-data --kind ade20k --out data/synthetic_ade20k` writes one).
 */
function small(name: string, backbone: BuiltinSegBackboneConfig, crop: number, iters: number): UperNetExperiment {
  const base = ade20k160k(name, backbone);
  base.model = uperNetModel(backbone, { channels: 64, auxChannels: 32 });
  base.model.testCfg = { mode: 'whole', cropSize: [crop, crop], stride: [Math.round((crop * 2) / 3), Math.round((crop * 2) / 3)] };
  base.data = ade20kData('data/synthetic_ade20k/ADEChallengeData2016', crop, [crop * 4, crop], 4);
  base.data.workersPerGpu = 1;
  // From scratch, a small model wants a larger step than the fine-tuning lr of the 160k recipe.
  base.optimizer.lr = 1e-3;
  base.lrConfig = { ...polySchedule(), warmup: { type: 'linear', iters: 100, ratio: 1e-6 } };
  base.runner = { type: 'iter', max: iters, evalInterval: iters, checkpointInterval: Math.max(1, Math.floor(iters / 4)), logInterval: 10 };
  return base;
}

export const UPERNET_MILA_MICRO = small('upernet_mila_micro_128x128_2k_ade20k', mila(16, [1, 1, 1, 1], [1, 1, 2, 4], 0.1), 128, 2000);
/** The conv stand-in backbone: trains on 64x64 synthetic crops in about a minute, for smoke tests of the whole path. */
export const UPERNET_TINYCONV = small('upernet_tinyconv_64x64_500_ade20k', { type: 'TinyConv', channels: [16, 32, 64, 128] }, 64, 500);

export const UPERNET_CONFIGS: readonly UperNetExperiment[] = [UPERNET_MILA_B, UPERNET_MILA_T, UPERNET_MILA_S, UPERNET_MILA_MICRO, UPERNET_TINYCONV];

registerConfigs(UPERNET_CONFIGS);
