export { Linear } from './linear.js';
export { Conv2d, type Conv2dOptions } from './conv2d.js';
export { ConvTranspose2d } from './conv-transpose2d.js';
export { LayerNorm } from './layer-norm.js';
export { BatchNorm2d } from './batch-norm2d.js';
export { GELU, SiLU, ELU, ReLU, Identity, gelu, silu } from './activations.js';
export { Dropout, DropPath } from './dropout.js';
export { Sequential, ModuleList } from './containers.js';
export { ConvModule, xavierInitConv, type ConvModuleOptions } from './conv-module.js';
