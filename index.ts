/**
 * The public API of mila-dense, grouped in namespaces (layers, heads, datasets...) as the folders are.
 */
export { initBackend, resolveBackendName, BACKEND_NAMES, type BackendName } from './core/backend.js';
export { Module, type Layer, type LoadResult, type LoadOptions } from './core/module.js';
export { manualSeed, Rng } from './core/rng.js';
export type { HostTensor, StateDict } from './core/host-tensor.js';
export { registerAllGradients } from './core/kernels/register-gradients.js';
export * as layers from './core/layers/index.js';
export * as checkpoint from './core/checkpoint/index.js';
export * as boxes from './core/boxes/index.js';

export * from './backbones/index.js';
export { FPN, fpnOutShapes, type FPNOptions } from './necks/fpn.js';
export { AnchorGenerator } from './heads/det/anchor-generator.js';
export { RPNHead } from './heads/det/rpn-head.js';
export * as roi from './heads/det/roi/index.js';
export * as segHeads from './heads/seg/index.js';
export * as losses from './losses/index.js';

export { MaskRCNN, buildDetBackbone, type MaskRCNNOptions } from './models/detector/mask-rcnn.js';
export { EncoderDecoder, buildEncoderDecoder, type EncoderDecoderConfig } from './models/segmentor/encoder-decoder.js';
export type { TrainableModel, LossTerms } from './models/types.js';

export * as datasets from './datasets/index.js';
export * as evaluation from './eval/index.js';
export * as configs from './configs/index.js';
export { Runner } from './train/runner.js';
export * as hooks from './train/hooks/index.js';
export { registerBackbone, registerNeck, registerHead } from './core/registry.js';
export { AdamW } from './train/adamw.js';
