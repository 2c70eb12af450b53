export type { Backbone, ShapeSpec } from './contract.js';
export * from './mila/index.js';
