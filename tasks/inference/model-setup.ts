import { checkConfigShape } from '../../configs/index.js';
import { resolveConfig } from '../../configs/config-file.js';
import type { ExperimentConfig } from '../../configs/types.js';
import { initBackend } from '../../core/backend.js';
import { loadCheckpoint } from '../../core/checkpoint/index.js';
import { UserError } from '../../core/errors.js';
import type { LoadResult, Module } from '../../core/module.js';
import { zooEntry } from '../../core/zoo/index.js';
import { weightsFile } from '../../train/model-weights.js';
import { resolveCheckpointArg, zooName } from '../checkpoint-arg.js';

/** Options of `loadDetector` and `loadSegmentor`. */
export interface LoadModelOptions {
  /** tfjs backend: auto (default: tfjs-node-gpu, tfjs-node, wasm, cpu), tensorflow-gpu, tensorflow, wasm, cpu. */
  backend?: string;
  /** Print the backend line (`mila: backend wasm, native kernels, 2 threads`) on stderr. Default false. */
  verbose?: boolean;
}

/** A preset name, a config JSON file, or a config object, checked to be of the task asked for. */
export function resolveTaskConfig(configOrPreset: string | ExperimentConfig, task: 'detection' | 'segmentation'): ExperimentConfig {
  const cfg = typeof configOrPreset === 'string' ? resolveConfig(configOrPreset) : checkConfigShape(structuredClone(configOrPreset), 'config');
  if (cfg.task !== task) {
    const other = task === 'detection' ? 'loadSegmentor' : 'loadDetector';
    throw new UserError(`${cfg.name} is a ${cfg.task} config; use ${other} for it`);
  }
  return cfg;
}

export async function setUpBackend(opts: LoadModelOptions): Promise<void> {
  try {
    await initBackend(opts.backend, { quiet: opts.verbose !== true });
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

/**
 * Load a checkpoint that must fit the model: every parameter and buffer present with its shape (a missing key
 * or another shape is one error naming the file and the config); keys the model does not have are returned.
 * `checkpoint` is a path, a training checkpoint's base path, or `zoo:<name>` (which must be this config's).
 */
export async function loadFittingWeights(model: Module, cfg: ExperimentConfig, checkpoint: string): Promise<LoadResult> {
  const zoo = zooName(checkpoint);
  if (zoo !== undefined) {
    const entry = zooEntry(zoo);
    if (entry.task === 'classification') throw new UserError(`${checkpoint} is an ImageNet classifier; it loads as backbone weights (mila train --backbone-weights ${checkpoint}), not as a ${cfg.task} model`);
    if (entry.preset !== cfg.name) throw new UserError(`${checkpoint} is a checkpoint of the preset ${entry.preset}, not of ${cfg.name}`);
  }
  const file = weightsFile(await resolveCheckpointArg(checkpoint));
  const sd = loadCheckpoint(file);
  const fitError = (what: string) => new UserError(`${file} does not fit ${cfg.name}: ${what}`);
  let r: LoadResult;
  try {
    r = model.loadStateDict(sd, { source: file });
  } catch (err) {
    throw fitError((err as Error).message.replace(`${file}: `, ''));
  }
  if (r.missingKeys.length) {
    const own = r.missingKeys.length + [...sd.keys()].filter((k) => !r.unexpectedKeys.includes(k)).length;
    const few = r.missingKeys.slice(0, 3).join(', ') + (r.missingKeys.length > 3 ? ', …' : '');
    throw fitError(`${r.missingKeys.length} of the model's ${own} weights are missing (${few})`);
  }
  return r;
}
