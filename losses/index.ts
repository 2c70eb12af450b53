/** Loss functions (mmdet/mmseg `models/losses/`), element-wise or reduced as the heads use them. */
export { binaryCrossEntropyWithLogits } from './binary-cross-entropy.js';
export { softmaxCrossEntropy, crossEntropyWithIgnore, type CrossEntropyWithIgnoreOptions } from './cross-entropy.js';
export { l1Loss, smoothL1Loss } from './l1.js';
export { weightedSum } from './reduce.js';
