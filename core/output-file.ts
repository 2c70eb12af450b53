import { writeFileSync } from 'node:fs';
import { UserError } from './errors.js';

/**
 * Writes an output file (results, label maps, pictures); a failure, a full disk say, is one line naming the
 * file instead of Node's bare `ENOSPC: no space left on device, write`. Checkpoints use writeFileAtomic.
 */
export function writeOutputFile(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    throw outputError(path, err);
  }
}

/** The one-line error for a failed write of `path` (also for writers such as sharp's `toFile`). */
export function outputError(path: string, err: unknown): UserError {
  return new UserError(`${path}: cannot write the file (${(err as Error).message})`);
}
