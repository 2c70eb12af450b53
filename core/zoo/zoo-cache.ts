import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../checkpoint/load.js';
import { writeFileAtomic } from '../checkpoint/atomic-write.js';
import { UserError } from '../errors.js';
import { downloadResumable, sha256File, type DownloadOptions } from './download.js';
import { ZOO, type ZooEntry } from './zoo-entries.js';

/** Where zoo checkpoints are kept: `$XDG_CACHE_HOME/mila-dense`, else `~/.cache/mila-dense`. */
export function zooCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'mila-dense');
}

/** Set to a base URL to download `<base>/<name>.pth` instead of the official links (a mirror you host). */
export const ZOO_MIRROR_ENV = 'MILA_ZOO_MIRROR';

/** What was recorded at download, beside the file (`<name>.pth.json`); later loads check the file against it. */
export interface ZooRecord {
  name: string;
  url: string;
  size: number;
  sha256: string;
  downloaded: string;
}

export function zooEntry(name: string): ZooEntry {
  const e = ZOO.find((z) => z.name === name);
  if (e) return e;
  throw new UserError(`unknown zoo checkpoint '${name}' (known: ${ZOO.map((z) => z.name).join(', ')}); \`mila zoo\` lists them`);
}

export function zooPaths(name: string, cacheDir = zooCacheDir()): { file: string; record: string } {
  const file = join(cacheDir, `${name}.pth`);
  return { file, record: `${file}.json` };
}

export function zooUrl(e: ZooEntry): string {
  const mirror = process.env[ZOO_MIRROR_ENV];
  return mirror ? `${mirror.replace(/\/+$/, '')}/${e.name}.pth` : e.url;
}

/** Whether a zoo checkpoint is in the cache (complete and recorded; its content is checked when it is loaded). */
export function isZooCached(name: string, cacheDir = zooCacheDir()): boolean {
  const p = zooPaths(name, cacheDir);
  return existsSync(p.file) && existsSync(p.record);
}

export interface FetchZooOptions {
  cacheDir?: string;
  onProgress?: DownloadOptions['onProgress'];
  /** Told when a download starts (not when the file is cached). */
  onDownload?: (url: string, file: string) => void;
}

/**
 * The local path of a zoo checkpoint: downloaded once into the cache (resumable, atomic, refused unless our
 * checkpoint reader accepts it), its size and SHA-256 recorded beside it, and checked against that record on
 * every later call. No hash is published with the official files, so the first download is the reference.
 */
export async function fetchZooCheckpoint(name: string, opts: FetchZooOptions = {}): Promise<string> {
  const entry = zooEntry(name);
  const { file, record } = zooPaths(name, opts.cacheDir);
  if (existsSync(file) && existsSync(record)) {
    await checkAgainstRecord(file, record);
    return file;
  }
  const url = zooUrl(entry);
  opts.onDownload?.(url, file);
  await downloadResumable(url, file, {
    onProgress: opts.onProgress,
    verify: (part) => {
      try {
        loadCheckpoint(part);
      } catch (err) {
        throw new UserError(`zoo:${name}: ${url} did not give a checkpoint (${(err as Error).message.replace(`${part}: `, '')}); the download was removed`);
      }
    },
    // Recorded before the rename, so a complete file in the cache always has its record.
    beforeRename: ({ size, sha256 }) => {
      const rec: ZooRecord = { name, url, size, sha256, downloaded: new Date().toISOString() };
      writeFileAtomic(record, [Buffer.from(`${JSON.stringify(rec, null, 2)}\n`)]);
    },
  });
  return file;
}

async function checkAgainstRecord(file: string, recordPath: string): Promise<void> {
  let rec: ZooRecord;
  try {
    rec = JSON.parse(readFileSync(recordPath, 'utf8')) as ZooRecord;
  } catch (err) {
    throw new UserError(`${recordPath}: unreadable download record (${(err as Error).message}); delete it and ${file} to download again`);
  }
  const size = statSync(file).size;
  if (size !== rec.size) throw changed(file, recordPath, `${size} bytes, ${rec.size} when downloaded`);
  const sha256 = await sha256File(file);
  if (sha256 !== rec.sha256) throw changed(file, recordPath, `SHA-256 ${sha256.slice(0, 12)}…, ${rec.sha256.slice(0, 12)}… when downloaded`);
}

function changed(file: string, recordPath: string, what: string): UserError {
  return new UserError(`${file} changed since it was downloaded (${what}); delete it and ${recordPath} to download it again`);
}
