import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import type { StateDict } from '../host-tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import { readSafetensors, writeSafetensors } from './safetensors.js';

export const TRAINING_CHECKPOINT_FORMAT = 'mila-training-checkpoint/1';

export interface TrainingCheckpoint {
  /** The model's state dict, PyTorch layout and names (the .safetensors loads in PyTorch as is). */
  model: StateDict;
  /** Optimizer state (moments, step counts) as named tensors; empty if none. */
  optimizer: StateDict;
  /** Anything JSON: iteration, epoch, config, RNG state, optimizer hyper-parameters... */
  meta: Record<string, unknown>;
}

/** `<base>.safetensors`, `<base>.optim.safetensors`, `<base>.json` for a base path (a known suffix is dropped). */
export function trainingCheckpointPaths(basePath: string): { model: string; optimizer: string; sidecar: string } {
  const base = basePath.replace(/(\.optim)?\.safetensors$|\.json$/, '');
  return { model: `${base}.safetensors`, optimizer: `${base}.optim.safetensors`, sidecar: `${base}.json` };
}

/**
 * Save a training checkpoint: model weights, optimizer state and a JSON sidecar, each written atomically.
 * The sidecar goes last and records the sizes of the two tensor files, so a crash mid-save leaves either the
 * previous consistent set or a set whose mismatch `loadTrainingCheckpoint` reports.
 */
export function saveTrainingCheckpoint(basePath: string, ckpt: { model: StateDict; optimizer?: StateDict; meta?: Record<string, unknown> }): void {
  const paths = trainingCheckpointPaths(basePath);
  writeSafetensors(paths.model, ckpt.model, { format: 'pt' });
  writeSafetensors(paths.optimizer, ckpt.optimizer ?? new Map());
  const sidecar = {
    format: TRAINING_CHECKPOINT_FORMAT,
    files: {
      model: { name: basename(paths.model), bytes: statSync(paths.model).size },
      optimizer: { name: basename(paths.optimizer), bytes: statSync(paths.optimizer).size },
    },
    meta: ckpt.meta ?? {},
  };
  writeFileAtomic(paths.sidecar, [new TextEncoder().encode(`${JSON.stringify(sidecar, null, 1)}\n`)]);
}

export function loadTrainingCheckpoint(basePath: string): TrainingCheckpoint {
  const paths = trainingCheckpointPaths(basePath);
  if (!existsSync(paths.sidecar)) {
    throw new UserError(`${paths.sidecar}: not found (a training checkpoint is <base>.safetensors + <base>.optim.safetensors + <base>.json)`);
  }
  let sidecar: { format?: string; files?: Record<string, { bytes?: number }>; meta?: Record<string, unknown> };
  try {
    sidecar = JSON.parse(readFileSync(paths.sidecar, 'utf8')) as typeof sidecar;
  } catch (err) {
    throw new UserError(`${paths.sidecar}: corrupt training checkpoint sidecar (${(err as Error).message})`);
  }
  if (sidecar.format !== TRAINING_CHECKPOINT_FORMAT) throw new UserError(`${paths.sidecar}: not a ${TRAINING_CHECKPOINT_FORMAT} sidecar`);
  for (const [role, file] of [['model', paths.model], ['optimizer', paths.optimizer]] as const) {
    if (!existsSync(file)) throw new UserError(`${file}: missing (listed by ${paths.sidecar})`);
    const want = sidecar.files?.[role]?.bytes;
    if (want !== undefined && statSync(file).size !== want) {
      throw new UserError(`${file}: size ${statSync(file).size} differs from ${want} recorded in ${paths.sidecar} (interrupted save?)`);
    }
  }
  return { model: readSafetensors(paths.model), optimizer: readSafetensors(paths.optimizer), meta: sidecar.meta ?? {} };
}
