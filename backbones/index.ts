export type { Backbone, Neck, ShapeSpec } from '../core/types/backbone.js';
export * from './mila/index.js';
export { TinyConvBackbone, type TinyConvBackboneConfig } from './tiny-conv.js';
