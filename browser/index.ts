/**
 * mila-dense in a browser (`import ... from 'mila-dense/browser'`): the models, their pre- and post-processing,
 * checkpoint parsing from bytes, the evaluators and a backend chooser, with nothing that needs Node (files,
 * sharp, worker threads, the native addon). test/browser/bundle.test.ts bundles this file for the browser and
 * fails on any Node import. The same code runs in Node: the browser test compares both on one image.
 */
export { initBrowserBackend, BROWSER_BACKENDS, type BrowserBackendName, type BrowserBackendOptions, type BrowserBackendInfo } from './backend.js';
export { buildModel, loadWeights, predict, disposeModel, type BrowserModel, type Prediction } from './model.js';
export { rgbaToImage } from './image.js';

// Modules, components and models.
export { Module, type LoadResult, type LoadOptions } from '../core/module.js';
export { manualSeed, Rng } from '../core/rng.js';
export type { HostTensor, StateDict } from '../core/host-tensor.js';
export type { HostImage, ImageMeta, BitmapMasks } from '../core/types/data.js';
export type { DetectionResult } from '../core/types/detection-result.js';
export * as layers from '../core/layers/index.js';
export * from '../backbones/index.js';
export { FPN, fpnOutShapes, type FPNOptions } from '../necks/fpn.js';
export { AnchorGenerator } from '../heads/det/anchor-generator.js';
export { RPNHead } from '../heads/det/rpn-head.js';
export * as roi from '../heads/det/roi/index.js';
export * as segHeads from '../heads/seg/index.js';
export { MaskRCNN, buildDetBackbone, type MaskRCNNOptions } from '../models/detector/mask-rcnn.js';
export { EncoderDecoder, buildEncoderDecoder, type EncoderDecoderConfig, type SegTestConfig } from '../models/segmentor/encoder-decoder.js';
export { predictLabelMap, type SegTestView } from '../models/segmentor/inference.js';
export * as configs from '../configs/index.js';

// Pre- and post-processing: the test pipelines (cv2-exact resize, normalise, pad), NMS, mask paste, RLE.
export { detTestPipeline, detectImage, testSampleOf, applyTestPipeline } from '../tasks/detection/detect-image.js';
export { buildTestViews, segmentImage, testViewOptions, type TestViewOptions } from '../tasks/segmentation/test-views.js';
export { detPipelineSpecs, segPipelineSpecs } from '../tasks/config-pipeline.js';
export { buildDetPipeline, buildSegPipeline } from '../datasets/pipelines/build-pipeline.js';
export { resizeBilinearU8 } from '../datasets/image/resize-bilinear.js';
export { resizeNearestPlanesU8 } from '../datasets/image/resize-nearest.js';
export { normalizeImage, IMAGENET_MEAN_RGB, IMAGENET_STD_RGB } from '../datasets/transforms/normalize.js';
export { padPlanes } from '../datasets/transforms/mask-ops.js';
export { rescaleSize } from '../datasets/transforms/rescale-size.js';
export * as boxes from '../core/boxes/index.js';
export * as mask from '../core/mask/index.js';
export { classColor, shownDetections, maskLayerRgba, detectionMarks, type DetectionMark } from '../tasks/detection/detection-layers.js';
export { labelOverlayRgb } from '../tasks/segmentation/overlay.js';
export { ADE20K_CLASSES, ADE20K_PALETTE } from '../datasets/ade20k/ade20k-classes.js';

// Checkpoints from bytes (an ArrayBuffer of a dropped or fetched file).
export { decodeCheckpoint } from '../core/checkpoint/decode.js';
export { readPth } from '../core/checkpoint/pth.js';
export { readSafetensorsBytes, encodeSafetensors, type SafetensorsFile } from '../core/checkpoint/safetensors.js';
export { stripPrefix, addPrefix, mergeStateDicts } from '../core/checkpoint/state-dict.js';

// Evaluators (COCO and loadRes take parsed JSON here, not paths).
export { COCO } from '../eval/coco/coco.js';
export { COCOeval, type COCOevalOptions } from '../eval/coco/cocoeval.js';
export { evaluateCoco, type CocoEvalResult } from '../eval/coco/evaluate-coco.js';
export { toCocoResults } from '../eval/coco/detection-results.js';
export type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage, CocoResult } from '../eval/coco/types.js';
export { MIoUAccumulator, type MIoUOptions, type MIoUResult } from '../eval/miou/accumulator.js';
export { formatMIoUReport } from '../eval/miou/table.js';
