/**
 * Evaluators: the COCO API port (mask utilities, `COCO`, `COCOeval`) and the mIoU evaluator.
 */
export * as mask from '../core/mask/index.js';
export * from '../core/mask/index.js';
export * from './coco/index.js';
export * from './miou/index.js';
