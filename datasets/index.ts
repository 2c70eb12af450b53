/** The data path: datasets as they lie on disk, mmdet/mmseg transforms, collation and loading, synthetic data. */
export type { ImageMeta, HostImage, BitmapMasks, DetSample, DetBatch, SegSample, SegBatch } from '../core/types/data.js';

export { CocoInstances, type CocoInstancesOptions, type CocoAnnInfo } from './coco/coco-instances.js';
export { CocoInstancesFile, type CocoImageRecord, type CocoCategory, type CompactSegmentation } from './coco/coco-instances-file.js';
export { Ade20kDataset, type Ade20kOptions } from './ade20k/ade20k-dataset.js';
export { ADE20K_CLASSES, ADE20K_PALETTE } from './ade20k/ade20k-classes.js';
export { reduceZeroLabel } from './ade20k/reduce-zero-label.js';
export { readLabelPngFile, decodeLabelPng, encodeLabelPng, type LabelImage } from '../core/io/label-png.js';
export { decodeImageFile, decodeImageBytes } from './image/decode-image.js';
export { resizeBilinearU8 } from './image/resize-bilinear.js';
export { resizeNearestPlanesU8 } from './image/resize-nearest.js';

export {
  DET_TRAIN_1X,
  DET_TRAIN_MLLA_3X,
  DET_TRAIN_MLLA,
  DET_TEST,
  SEG_TRAIN_ADE20K,
  SEG_TEST_ADE20K,
  scaleDetPipeline,
  type DetTransformSpec,
  type SegTransformSpec,
} from './pipelines/pipeline-spec.js';
export { buildDetPipeline, buildSegPipeline, buildDetTransform, buildSegTransform } from './pipelines/build-pipeline.js';
export { composeDet, composeSeg, type DetTransform, type SegTransform } from './transforms/transform.js';
export { rescaleSize } from './transforms/rescale-size.js';
export { IMAGENET_MEAN_RGB, IMAGENET_STD_RGB } from './transforms/normalize.js';

export { collateDet, collateSeg } from './loader/collate.js';
export { BatchOrder } from './loader/batch-order.js';
export { DataLoader, detLoader, segLoader, type LoaderOptions, type LoaderStats, type RecipeSource } from './loader/data-loader.js';
export type { PipelineSpec } from './loader/run-recipe.js';

export { writeSyntheticCoco, SYNTHETIC_COCO_CATEGORIES, type SyntheticCocoOptions } from './synthetic/coco-synthetic.js';
export { writeSyntheticAde20k, SYNTHETIC_ADE20K_CLASSES, type SyntheticAde20kOptions } from './synthetic/ade20k-synthetic.js';
