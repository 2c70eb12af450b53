export type { Backbone, ShapeSpec } from '../core/types/backbone.js';
export * from './mila/index.js';
