/** The COCO API port: dataset index and results loading (COCO), evaluation (COCOeval). */
export { COCO, type AnnIdFilter } from './coco.js';
export { COCOeval, type COCOevalOptions } from './cocoeval.js';
export { Params, linspace, type IouType } from './params.js';
export type { AccumulatedEval } from './accumulate.js';
export type { EvalImgs } from './evaluate.js';
export type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage, CocoResult, Segmentation } from './types.js';
export { evaluateCoco, type CocoEvalResult } from './evaluate-coco.js';
export { toCocoResults } from './detection-results.js';
