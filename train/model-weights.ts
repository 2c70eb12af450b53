import { existsSync } from 'node:fs';
import { loadCheckpoint, trainingCheckpointPaths } from '../core/checkpoint/index.js';
import type { Module } from '../core/module.js';
import { describeLoad } from './experiment.js';

/** The weights file of a path: the file itself, or the model file of a training checkpoint's base path or sidecar. */
export function weightsFile(path: string): string {
  if (!existsSync(path) || path.endsWith('.json')) {
    const paths = trainingCheckpointPaths(path);
    if (existsSync(paths.model)) return paths.model;
  }
  return path;
}

/**
 * Load trained weights for test/infer: a `.safetensors`/`.pth` file, or the base path / sidecar of one of our
 * training checkpoints. Loads non-strictly as PyTorch's strict=False and returns a report line when keys are
 * missing or unexpected (null when the checkpoint matched exactly).
 */
export function loadModelWeights(model: Module, path: string): string | null {
  const file = weightsFile(path);
  const r = model.loadStateDict(loadCheckpoint(file), { source: file });
  if (!r.missingKeys.length && !r.unexpectedKeys.length) return null;
  return describeLoad(`loaded ${file}`, r);
}
