import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Write `chunks` to `path` so that readers see either the old file or the complete new one, never a
 * partial write: a temporary file in the same directory (same filesystem, so rename is atomic), fsync, rename.
 * A failure (a full disk, say) removes the temporary file, leaves any previous `path` as it was, and is one line
 * naming `path`.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array[]): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o644);
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off, c.length - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new UserError(`${path}: cannot write the file (${(err as Error).message})`);
  }
  // Persist the rename itself; not every platform lets a directory be opened for fsync, which is harmless.
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* best effort */
  }
}
