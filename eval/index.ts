/**
 * Evaluators: the COCO API port (mask utilities, `COCO`, `COCOeval`) and the mIoU evaluator.
 */
export * as mask from './mask/index.js';
export * from './mask/index.js';
export * from './coco/index.js';
export * from './miou/index.js';
