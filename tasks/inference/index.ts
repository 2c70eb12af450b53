/** High-level inference: a model from a preset and a checkpoint, then `predict(image)`. */
export { loadDetector, Detector, type Detections, type DetectOptions } from './detector.js';
export { loadSegmentor, Segmentor, type Segmentation, type SegmentOptions } from './segmentor.js';
export type { ImageInput, RawImage } from './image-input.js';
export type { LoadModelOptions } from './model-setup.js';
