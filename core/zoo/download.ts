import { createHash } from 'node:crypto';
import { closeSync, createReadStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../errors.js';

export interface DownloadOptions {
  /** Bytes in the partial file so far, and the whole size when the server said it. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Checks the complete file before it is moved into place; a throw refuses it (the partial file is removed). */
  verify?: (path: string) => void;
  /** Called with the complete file's size and SHA-256 before it is renamed into place (to record them first). */
  beforeRename?: (facts: DownloadedFile) => void;
}

export interface DownloadedFile {
  size: number;
  sha256: string;
}

/**
 * Download `url` to `dest` resumably and atomically: bytes go to `<dest>.part`; a rerun after an interruption asks
 * for the rest with an HTTP Range request (a server that ignores it sends everything again, and the part file
 * starts over); the size must match Content-Length / Content-Range; the complete file is checked (`verify`),
 * hashed, and renamed to `dest`, so `dest` only ever holds a complete download. Node's fetch (undici), no
 * dependency.
 */
export async function downloadResumable(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadedFile> {
  const part = `${dest}.part`;
  mkdirSync(dirname(dest), { recursive: true });
  let start = existsSync(part) ? statSync(part).size : 0;
  const res = await get(url, start);
  let total: number | undefined;
  if (res.status === 206) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== start) {
      await res.body?.cancel();
      rmSync(part, { force: true });
      throw new UserError(`${url}: the server resumed at another offset (${res.headers.get('content-range')}, wanted ${start}); removed ${part}, run again`);
    }
    total = range[2] === '*' ? undefined : Number(range[2]);
  } else if (res.status === 416 && start > 0) {
    // Nothing left to send: the part file may already be complete.
    total = Number(/^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? NaN);
    await res.body?.cancel();
    if (total !== start) {
      rmSync(part, { force: true });
      throw new UserError(`${url}: ${part} does not fit the file on the server (HTTP 416); removed it, run again`);
    }
  } else if (res.ok) {
    start = 0;
    const length = res.headers.get('content-length');
    total = length === null ? undefined : Number(length);
  } else {
    await res.body?.cancel();
    throw new UserError(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  }

  let received = start;
  if (res.status !== 416) received = await appendBody(res, part, start, total, url, opts.onProgress);
  if (total !== undefined && received !== total) {
    if (received < total) throw interrupted(url, part, received, total, 'the connection closed early');
    rmSync(part, { force: true });
    throw new UserError(`${url}: received ${received} bytes but the server announced ${total}; removed ${part}`);
  }
  try {
    opts.verify?.(part);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  const facts = { size: received, sha256: await sha256File(part) };
  opts.beforeRename?.(facts);
  renameSync(part, dest);
  return facts;
}

async function get(url: string, start: number): Promise<Response> {
  try {
    return await fetch(url, { headers: start > 0 ? { range: `bytes=${start}-` } : {}, redirect: 'follow' });
  } catch (err) {
    throw new UserError(`cannot download ${url}: ${causeOf(err)}`);
  }
}

/** Stream the body onto the part file (appending after `start` bytes); returns the part file's size after. */
async function appendBody(res: Response, part: string, start: number, total: number | undefined, url: string, onProgress: DownloadOptions['onProgress']): Promise<number> {
  const fd = openSync(part, start > 0 ? 'a' : 'w');
  let received = start;
  try {
    onProgress?.(received, total);
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        received += chunk.length;
        onProgress?.(received, total);
      }
    }
  } catch (err) {
    throw interrupted(url, part, received, total, causeOf(err));
  } finally {
    fsyncSync(fd);
    closeSync(fd);
  }
  return received;
}

function interrupted(url: string, part: string, received: number, total: number | undefined, why: string): UserError {
  return new UserError(`download of ${url} interrupted after ${received} of ${total ?? '?'} bytes (${why}); run again to resume (${part})`);
}

function causeOf(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
