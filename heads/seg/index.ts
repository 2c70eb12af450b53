export { UPerHead, type UPerHeadConfig } from './uper-head.js';
export { FCNHead, type FCNHeadConfig } from './fcn-head.js';
export { BaseDecodeHead, type DecodeHeadConfig } from './decode-head.js';
export { ConvModule } from '../../core/layers/conv-module.js';
export { PPM } from './ppm.js';
export { AdaptiveAvgPool2d, adaptiveBins, adaptiveAvgMatrix } from './adaptive-avg-pool.js';
export { resizeBilinear, bilinearAxisMatrix } from './resize-bilinear.js';
export { segAccuracy, segAccuracyTensor } from './accuracy.js';
/** mmseg's CrossEntropyLoss (losses/cross-entropy.ts) under its former name. */
export { crossEntropyWithIgnore as segCrossEntropy } from '../../losses/cross-entropy.js';
