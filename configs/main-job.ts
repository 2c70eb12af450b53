/**
 * The main job's experiment (`npm start` / `mila start`): a small MILA Mask R-CNN trained from scratch on the
 * synthetic COCO-format shapes dataset, sized so that data generation, training, evaluation and pictures fit in
 * 15 minutes on a 2-core CPU. Same code as the official presets, other numbers.
 */
import { backboneOutChannels, maskRcnnModel, milaDetBackbone, type MaskRCNNConfig } from '../models/detector/mask-rcnn-config.js';
import { registerConfigs } from './registry.js';
import { SYNTHETIC_CLASSES, TINY_SIZES } from './mask-rcnn.js';
import { MLLA_DETECTION_PARAMWISE, type ExperimentConfig, type TransformStep } from './types.js';

/** Where `mila start` writes (if absent) and reads the synthetic dataset. */
export const MAIN_JOB_DATA = { root: 'data/synthetic_coco', size: 192, trainImages: 240, valImages: 60, seed: 0 };

const NORM: TransformStep = { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], toRgb: true };

function mainJob(): ExperimentConfig<MaskRCNNConfig> {
  const s = MAIN_JOB_DATA.size;
  const backbone = milaDetBackbone(16, [1, 1, 2, 1], [1, 2, 4, 8], 0.0);
  const test: TransformStep[] = [
    { type: 'LoadImageFromFile' },
    {
      type: 'MultiScaleFlipAug',
      imgScale: [s, s],
      flip: false,
      transforms: [{ type: 'Resize', keepRatio: true }, { type: 'RandomFlip' }, NORM, { type: 'Pad', sizeDivisor: 32 }, { type: 'ImageToTensor', keys: ['img'] }, { type: 'Collect', keys: ['img'] }],
    },
  ];
  const train: TransformStep[] = [
    { type: 'LoadImageFromFile' },
    { type: 'LoadAnnotations', withBbox: true, withMask: true },
    { type: 'Resize', imgScale: [[s, s]], keepRatio: true },
    { type: 'RandomFlip', flipRatio: 0.5 },
    NORM,
    { type: 'Pad', sizeDivisor: 32 },
    { type: 'DefaultFormatBundle' },
    { type: 'Collect', keys: ['img', 'gt_bboxes', 'gt_labels', 'gt_masks'] },
  ];
  const split = (name: string, pipeline: TransformStep[]) => ({ annFile: `annotations/instances_${name}.json`, imgPrefix: `${name}/`, segPrefix: null, pipeline });
  return {
    name: 'mask_rcnn_mila_main_job',
    task: 'detection',
    model: maskRcnnModel(backbone, { ...TINY_SIZES, inChannels: backboneOutChannels(backbone), numClasses: SYNTHETIC_CLASSES }),
    data: {
      type: 'CocoDataset',
      root: MAIN_JOB_DATA.root,
      classes: null,
      samplesPerGpu: 2,
      workersPerGpu: 1,
      train: split('train2017', train),
      val: split('val2017', test),
      test: split('val2017', structuredClone(test)),
    },
    optimizer: { type: 'AdamW', lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05, paramwise: structuredClone(MLLA_DETECTION_PARAMWISE), gradClip: { maxNorm: 10 } },
    lrConfig: { policy: 'step', step: [450, 550], gamma: 0.1, byEpoch: false, minLr: null, warmup: { type: 'linear', iters: 30, ratio: 0.01 } },
    runner: { type: 'iter', max: 600, evalInterval: 0, checkpointInterval: 200, logInterval: 10 },
    evaluation: { metrics: ['bbox', 'segm'] },
    seed: 0,
    backboneWeights: null,
    customImports: [],
    customHooks: [],
  };
}

export const MAIN_JOB_CONFIG = mainJob();

registerConfigs([MAIN_JOB_CONFIG]);
