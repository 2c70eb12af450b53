/**
 * Mask R-CNN presets: the official MLLA COCO configs (LeapLabTHU/MLLA downstream/detection/configs/mlla/
 * mlla_{t,s,b}_mrcnn_{1x,3x}.py over mmdet 2.x's mask_rcnn_swin_fpn.py, coco_instance.py, schedule_1x.py and
 * default_runtime.py), and small configs sized for a 2-core CPU built from the same code with other numbers.
 */
import { backboneOutChannels, maskRcnnModel, milaDetBackbone, type MaskRCNNConfig, type MaskRCNNSizes, type MilaDetBackboneConfig } from '../models/detector/mask-rcnn-config.js';
import { registerConfigs } from './registry.js';
import { MLLA_DETECTION_PARAMWISE, stepSchedule, type DataConfig, type ExperimentConfig, type OptimizerConfig, type RunnerConfig, type TransformStep } from './types.js';

export type MaskRCNNExperiment = ExperimentConfig<MaskRCNNConfig>;

const COCO_CLASSES = 80;
const IMG_NORM = (): TransformStep => ({ type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true });

/** The DETR-style multi-scale AutoAugment train pipeline every official MLLA detection config uses. */
function mllaTrainPipeline(): TransformStep[] {
  const scales = [480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800].map((s) => [s, 1333]);
  return [
    { type: 'LoadImageFromFile' },
    { type: 'LoadAnnotations', withBbox: true, withMask: true },
    { type: 'RandomFlip', flipRatio: 0.5 },
    {
      type: 'AutoAugment',
      policies: [
        [{ type: 'Resize', imgScale: scales, multiscaleMode: 'value', keepRatio: true }],
        [
          { type: 'Resize', imgScale: [[400, 1333], [500, 1333], [600, 1333]], multiscaleMode: 'value', keepRatio: true },
          { type: 'RandomCrop', cropType: 'absolute_range', cropSize: [384, 600], allowNegativeCrop: true },
          { type: 'Resize', imgScale: scales, multiscaleMode: 'value', override: true, keepRatio: true },
        ],
      ],
    },
    IMG_NORM(),
    { type: 'Pad', sizeDivisor: 32 },
    { type: 'DefaultFormatBundle' },
    { type: 'Collect', keys: ['img', 'gt_bboxes', 'gt_labels', 'gt_masks'] },
  ];
}

/** mmdet's coco_instance.py test pipeline: one scale, no flip. imgScale is (long, short) as mmdet's (1333, 800). */
function testPipeline(imgScale: [number, number]): TransformStep[] {
  return [
    { type: 'LoadImageFromFile' },
    {
      type: 'MultiScaleFlipAug',
      imgScale: [...imgScale],
      flip: false,
      transforms: [{ type: 'Resize', keepRatio: true }, { type: 'RandomFlip' }, IMG_NORM(), { type: 'Pad', sizeDivisor: 32 }, { type: 'ImageToTensor', keys: ['img'] }, { type: 'Collect', keys: ['img'] }],
    },
  ];
}

/** mmdet's coco_instance.py with the MLLA train pipeline and 2 images per GPU. */
function cocoData(): DataConfig {
  const split = (name: string, pipeline: TransformStep[]) => ({ annFile: `annotations/instances_${name}.json`, imgPrefix: `${name}/`, segPrefix: null, pipeline });
  return {
    type: 'CocoDataset',
    root: 'data/coco',
    classes: null,
    samplesPerGpu: 2,
    workersPerGpu: 2,
    train: split('train2017', mllaTrainPipeline()),
    val: split('val2017', testPipeline([1333, 800])),
    test: split('val2017', testPipeline([1333, 800])),
  };
}

const ADAMW = (lr: number): OptimizerConfig => ({ type: 'AdamW', lr, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05, paramwise: structuredClone(MLLA_DETECTION_PARAMWISE), gradClip: null });

/** default_runtime.py + schedule_1x.py: epoch runner, evaluate and checkpoint every epoch, log every 50 iterations. */
const EPOCHS = (max: number): RunnerConfig => ({ type: 'epoch', max, evalInterval: 1, checkpointInterval: 1, logInterval: 50 });

const MILA_T = (dpr: number) => milaDetBackbone(64, [2, 4, 8, 4], [2, 4, 8, 16], dpr);
const MILA_S = (dpr: number) => milaDetBackbone(64, [3, 6, 21, 6], [2, 4, 8, 16], dpr);
const MILA_B = (dpr: number) => milaDetBackbone(96, [3, 6, 21, 6], [3, 6, 12, 24], dpr);

function official(name: string, backbone: MilaDetBackboneConfig, schedule: '1x' | '3x'): MaskRCNNExperiment {
  return {
    name,
    task: 'detection',
    model: maskRcnnModel(backbone, { inChannels: backboneOutChannels(backbone), numClasses: COCO_CLASSES }),
    data: cocoData(),
    optimizer: ADAMW(1e-4),
    lrConfig: stepSchedule(schedule === '1x' ? [8, 11] : [27, 33]),
    runner: EPOCHS(schedule === '1x' ? 12 : 36),
    evaluation: { metrics: ['bbox', 'segm'] },
    seed: 0,
    // the official init_cfg Pretrained './data/MLLA_{T,S,B}.pth': given with --backbone-weights, so a preset runs without the file.
    backboneWeights: null,
    customImports: [],
    customHooks: [],
  };
}

/** The synthetic COCO-format dataset `mila make-data --kind coco` writes (320x320 images of coloured shapes). */
function syntheticData(root: string, size: number, samplesPerGpu: number): DataConfig {
  const train: TransformStep[] = [
    { type: 'LoadImageFromFile' },
    { type: 'LoadAnnotations', withBbox: true, withMask: true },
    { type: 'Resize', imgScale: [[size, size]], keepRatio: true },
    { type: 'RandomFlip', flipRatio: 0.5 },
    IMG_NORM(),
    { type: 'Pad', sizeDivisor: 32 },
    { type: 'DefaultFormatBundle' },
    { type: 'Collect', keys: ['img', 'gt_bboxes', 'gt_labels', 'gt_masks'] },
  ];
  const split = (name: string, pipeline: TransformStep[]) => ({ annFile: `annotations/instances_${name}.json`, imgPrefix: `${name}/`, segPrefix: null, pipeline });
  return {
    type: 'CocoDataset',
    root,
    classes: null,
    samplesPerGpu,
    workersPerGpu: 2,
    train: split('train2017', train),
    val: split('val2017', testPipeline([size, size])),
    test: split('val2017', testPipeline([size, size])),
  };
}

/** Classes of the synthetic generator (datasets/synthetic: circle, rectangle, triangle, ring, star). */
export const SYNTHETIC_CLASSES = 5;

/** A narrow MILA (channels 16..128) with a slim FPN and heads, fewer proposals: the main job's model. */
export const TINY_SIZES: Omit<MaskRCNNSizes, 'inChannels' | 'numClasses'> = {
  fpnChannels: 32,
  fcOutChannels: 128,
  maskConvs: 2,
  maskConvChannels: 32,
  trainNmsPre: 300,
  trainProposals: 150,
  testNmsPre: 300,
  testProposals: 100,
  rcnnSamples: 64,
  maxPerImg: 50,
};

function tinySynthetic(): MaskRCNNExperiment {
  const backbone = milaDetBackbone(16, [1, 1, 2, 1], [1, 2, 4, 8], 0.0);
  return {
    name: 'mask_rcnn_mila_tiny_fpn_synthetic',
    task: 'detection',
    model: maskRcnnModel(backbone, { ...TINY_SIZES, inChannels: backboneOutChannels(backbone), numClasses: SYNTHETIC_CLASSES }),
    data: syntheticData('data/synthetic-coco', 320, 2),
    optimizer: ADAMW(1e-3),
    lrConfig: { policy: 'step', step: [8, 11], gamma: 0.1, byEpoch: true, minLr: null, warmup: { type: 'linear', iters: 50, ratio: 0.001 } },
    runner: { type: 'epoch', max: 12, evalInterval: 12, checkpointInterval: 12, logInterval: 10 },
    evaluation: { metrics: ['bbox', 'segm'] },
    seed: 0,
    backboneWeights: null,
    customImports: [],
    customHooks: [],
  };
}

export const MASK_RCNN_PRESETS: readonly MaskRCNNExperiment[] = [
  official('mask_rcnn_mila_t_fpn_1x_coco', MILA_T(0.1), '1x'),
  official('mask_rcnn_mila_t_fpn_3x_coco', MILA_T(0.3), '3x'),
  official('mask_rcnn_mila_s_fpn_1x_coco', MILA_S(0.1), '1x'),
  official('mask_rcnn_mila_s_fpn_3x_coco', MILA_S(0.3), '3x'),
  official('mask_rcnn_mila_b_fpn_1x_coco', MILA_B(0.1), '1x'),
  tinySynthetic(),
];

registerConfigs(MASK_RCNN_PRESETS);
