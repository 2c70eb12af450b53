import { existsSync } from 'node:fs';
import { loadCheckpoint, loadTrainingCheckpointModel, trainingCheckpointPaths } from '../core/checkpoint/index.js';
import type { StateDict } from '../core/host-tensor.js';
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
  let file = path;
  let sd: StateDict | null = null;
  if (!existsSync(file) || file.endsWith('.json')) {
    const paths = trainingCheckpointPaths(path);
    // A training checkpoint named as a set (base path or sidecar): its model file is checked against the sidecar's
    // SHA-256, as --resume checks it. A .safetensors named directly is read as it is.
    if (existsSync(paths.sidecar)) ({ file, model: sd } = loadTrainingCheckpointModel(path));
    else if (existsSync(paths.model)) file = paths.model;
  }
  const r = model.loadStateDict(sd ?? loadCheckpoint(file), { source: file });
  if (!r.missingKeys.length && !r.unexpectedKeys.length) return null;
  return describeLoad(`loaded ${file}`, r);
}
