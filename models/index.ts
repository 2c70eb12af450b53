/** The assembled models: Mask R-CNN (with its config builders) and the encoder-decoder segmentor with mmseg's inference. */
export { MaskRCNN, buildDetBackbone, type MaskRCNNOptions } from './detector/mask-rcnn.js';
export * from './detector/mask-rcnn-config.js';
export { EncoderDecoder, buildEncoderDecoder, type EncoderDecoderConfig, type SegTestConfig } from './segmentor/encoder-decoder.js';
export type { SegBackboneConfig, BuiltinSegBackboneConfig, MilaSegBackboneConfig, SegHeadConfig, SegHeadLike } from './segmentor/encoder-decoder.js';
export { predictLabelMap, inferenceLogits, wholeInferenceLogits, slideInferenceLogits, type SegTestView } from './segmentor/inference.js';
export type { TrainableModel, LossTerms } from './types.js';
