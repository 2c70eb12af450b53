/**
 * `mila-dense/node`: what needs Node beyond tensors (files, sharp, worker threads, the network): high-level
 * inference, the model zoo, and the tasks behind `mila train|test|infer`.
 */
export * from './inference/index.js';
export { resolveCheckpointArg } from './checkpoint-arg.js';
export { ZOO, ZOO_SOURCES, describeMetrics, fetchZooCheckpoint, isZooCached, zooCacheDir, zooEntry, ZOO_MIRROR_ENV, type ZooEntry } from '../core/zoo/index.js';
export { createTask } from './create-task.js';
export type { TaskRuntime, EvalOptions, EvalReport } from './task.js';
export { runTraining, type TrainOptions, type TrainOutcome } from './run-training.js';
export { drawDetections } from './detection/draw-detections.js';
export { writeLabelPng, writeOverlay } from './segmentation/visualize.js';
export { decodeImageFile, decodeImageBytes } from '../datasets/image/decode-image.js';
