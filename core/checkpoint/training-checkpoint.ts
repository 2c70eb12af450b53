import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../errors.js';
import type { StateDict } from '../host-tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import { encodeSafetensors, readSafetensorsBytes } from './safetensors.js';

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

/** What the sidecar records of each tensor file: a mixed or partial set fails these checks on load. */
interface FileRecord {
  name?: string;
  bytes?: number;
  /** SHA-256 of the file's bytes, hex (absent in sidecars written before it was recorded). */
  sha256?: string;
}

function sha256(chunks: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/**
 * Save a training checkpoint: model weights, optimizer state and a JSON sidecar, each written atomically.
 * The sidecar goes last and records the size and SHA-256 of the two tensor files, so a crash mid-save, a file
 * from another checkpoint or a partial copy is detected by `loadTrainingCheckpoint` (the previous complete set
 * stays loadable: nothing of it is overwritten before the new files are complete).
 */
export function saveTrainingCheckpoint(basePath: string, ckpt: { model: StateDict; optimizer?: StateDict; meta?: Record<string, unknown> }): void {
  const paths = trainingCheckpointPaths(basePath);
  const files: Record<string, FileRecord> = {};
  for (const [role, path, sd, metadata] of [
    ['model', paths.model, ckpt.model, { format: 'pt' }],
    ['optimizer', paths.optimizer, ckpt.optimizer ?? new Map(), undefined],
  ] as const) {
    const chunks = encodeSafetensors(sd, metadata);
    writeFileAtomic(path, chunks);
    files[role] = { name: basename(path), bytes: chunks.reduce((n, c) => n + c.length, 0), sha256: sha256(chunks) };
  }
  const sidecar = { format: TRAINING_CHECKPOINT_FORMAT, files, meta: ckpt.meta ?? {} };
  writeFileAtomic(paths.sidecar, [new TextEncoder().encode(`${JSON.stringify(sidecar, null, 1)}\n`)]);
}

interface Sidecar {
  format?: string;
  files?: Record<string, FileRecord>;
  meta?: Record<string, unknown>;
}

function readSidecar(path: string): Sidecar {
  if (!existsSync(path)) {
    throw new UserError(`${path}: not found (a training checkpoint is <base>.safetensors + <base>.optim.safetensors + <base>.json)`);
  }
  let sidecar: Sidecar;
  try {
    sidecar = JSON.parse(readFileSync(path, 'utf8')) as Sidecar;
  } catch (err) {
    throw new UserError(`${path}: corrupt training checkpoint sidecar (${(err as Error).message})`);
  }
  if (typeof sidecar !== 'object' || sidecar === null || sidecar.format !== TRAINING_CHECKPOINT_FORMAT) {
    throw new UserError(`${path}: not a ${TRAINING_CHECKPOINT_FORMAT} sidecar`);
  }
  return sidecar;
}

/** The tensors of one of the checkpoint's files, after checking its size and SHA-256 against the sidecar. */
function readChecked(role: 'model' | 'optimizer', file: string, sidecar: Sidecar, sidecarPath: string): StateDict {
  if (!existsSync(file)) throw new UserError(`${file}: missing (listed by ${sidecarPath})`);
  const bytes = new Uint8Array(readFileSync(file));
  const want = sidecar.files?.[role];
  if (want?.bytes !== undefined && bytes.length !== want.bytes) {
    throw new UserError(`${file}: size ${bytes.length} differs from ${want.bytes} recorded in ${sidecarPath} (interrupted save, or a file of another checkpoint?)`);
  }
  if (want?.sha256 !== undefined && sha256([bytes]) !== want.sha256) {
    throw new UserError(`${file}: content differs from the SHA-256 recorded in ${sidecarPath} (a file of another checkpoint, or damaged)`);
  }
  return readSafetensorsBytes(file, bytes).tensors;
}

export function loadTrainingCheckpoint(basePath: string): TrainingCheckpoint {
  const paths = trainingCheckpointPaths(basePath);
  const sidecar = readSidecar(paths.sidecar);
  return {
    model: readChecked('model', paths.model, sidecar, paths.sidecar),
    optimizer: readChecked('optimizer', paths.optimizer, sidecar, paths.sidecar),
    meta: sidecar.meta ?? {},
  };
}

/** Only the model weights of a training checkpoint (test, infer), checked against the sidecar as on resume. */
export function loadTrainingCheckpointModel(basePath: string): { file: string; model: StateDict } {
  const paths = trainingCheckpointPaths(basePath);
  return { file: paths.model, model: readChecked('model', paths.model, readSidecar(paths.sidecar), paths.sidecar) };
}
