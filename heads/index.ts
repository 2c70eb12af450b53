/** The heads, built from a backbone's (or neck's) declared output shapes: detection (RPN, RoI) and segmentation (UPerHead, FCNHead). */
export { AnchorGenerator } from './det/anchor-generator.js';
export { RPNHead } from './det/rpn-head.js';
export * as roi from './det/roi/index.js';
export type * from './det/config.js';
export * from './seg/index.js';
