import { closeSync, fstatSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
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

/**
 * Appends to a log file (the runner's `log.jsonl`, a logger hook's file); a failure is one line naming it. A write
 * cut short (a full disk) is cut back to where it started, so the file keeps every earlier line and no half line.
 */
export function appendOutputFile(path: string, data: string): void {
  let fd: number | undefined;
  let start = 0;
  try {
    fd = openSync(path, 'a');
    start = fstatSync(fd).size;
    const bytes = Buffer.from(data);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    const written = fd;
    fd = undefined;
    closeSync(written);
  } catch (err) {
    if (fd !== undefined) {
      try {
        ftruncateSync(fd, start);
      } catch {
        /* the error below is what matters */
      }
      closeSync(fd);
    }
    throw outputError(path, err);
  }
}

/** The one-line error for a failed write of `path` (also for writers such as sharp's `toFile`). */
export function outputError(path: string, err: unknown): UserError {
  return new UserError(`${path}: cannot write the file (${(err as Error).message})`);
}
