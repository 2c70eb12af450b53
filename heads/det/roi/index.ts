/** The Mask R-CNN RoI side (mmdet 2.x semantics): RoIAlign, the level-mapping extractor, box and mask heads. */
export { roiAlign, RoiAlignPlan, type RoiAlignOpOptions } from './roi-align.js';
export { roiAlignWeights, type RoiAlignOptions, type RoiWeights } from './roi-align-weights.js';
export { mapRoiLevels } from './level-mapping.js';
export { SingleRoIExtractor, type SingleRoIExtractorOptions } from './single-roi-extractor.js';
export { Shared2FCBBoxHead, type BBoxHeadOutput, type Shared2FCBBoxHeadOptions } from './shared2fc-bbox-head.js';
export { FCNMaskHead, maskHeadLoss, pickClassMaps, type FCNMaskHeadOptions } from './fcn-mask-head.js';
export { bboxTargets, type BBoxTargets } from './bbox-targets.js';
export { bboxHeadLoss } from './bbox-loss.js';
export { maskTargets } from './mask-target.js';
export { pasteMask } from './paste-mask.js';
export { bboxPostprocess, maskPostprocess, type ImageDetections } from './roi-postprocess.js';
export { StandardRoIHead, bbox2roi, type RoiLosses, type RoiTrainTargets, type RcnnTestConfig, type RcnnTrainConfig } from './standard-roi-head.js';
