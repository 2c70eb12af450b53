import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { ExperimentConfig } from '../../configs/types.js';
import { UserError } from '../../core/errors.js';
import { weightsFile } from '../../train/model-weights.js';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file's bytes, read in 8 MB pieces (a checkpoint of several GB never sits in memory). */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(8 << 20);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UserError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** JSON with object keys sorted at every level: the same config gives the same text however it was built. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The resolved config (after --set and --import) as a hash: a preset and the config.json it wrote hash alike. */
export function configSha256(cfg: ExperimentConfig): string {
  return sha256(canonicalJson(cfg));
}

/**
 * The weights a checkpoint argument loads, and their hash. For a training-checkpoint base path that is the
 * `.safetensors` model file (the optimizer state and sidecar do not change a prediction), so `work/iter_8` and
 * `work/iter_8.safetensors` are the same checkpoint to `mila merge`.
 */
export function checkpointIdentity(checkpoint: string): { path: string; file: string; sha256: string } {
  const file = weightsFile(checkpoint);
  return { path: checkpoint, file, sha256: sha256File(file) };
}
