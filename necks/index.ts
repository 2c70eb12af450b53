/** Necks: mmdet's FPN. */
export { FPN, fpnOutShapes, type FPNOptions } from './fpn.js';
