import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { JsonValue } from '../../configs/types.js';
import { UserError } from '../../core/errors.js';
import type { MIoUTotals } from '../../eval/miou/index.js';
import type { PartRange } from '../eval-part.js';

/** The manifest's format tag; `mila merge` refuses any other. */
export const SHARD_FORMAT = 'mila-shard/1';

export type ShardCommand = 'test' | 'seg-test' | 'infer';

/** A file a shard wrote into the shared folder, as `mila merge` checks it. */
export interface ShardFileEntry {
  role: string;
  name: string;
  bytes: number;
  sha256: string;
}

/** One drawn image of `mila infer`: what it prints for the image. */
export interface InferImageRecord {
  image: string;
  out: string;
  drawn: number;
  total: number;
}

/** The shard's part of the result; the big lists (COCO results) are in `files`, the rest is here. */
export type ShardResult =
  | { kind: 'coco'; annFile: string; metrics: ('bbox' | 'segm')[]; withMask: boolean; imageIds: number[] }
  | { kind: 'miou'; classNames: string[] | null; names: string[]; totals: MIoUTotals }
  | { kind: 'drawings'; images: InferImageRecord[] };

/**
 * `<dir>/shard-<i>-of-<N>.manifest.json`, written last and atomically: its presence says that the shard finished
 * and that the files it lists are complete. `mila merge` checks a set of them against each other.
 */
export interface ShardManifest {
  format: typeof SHARD_FORMAT;
  command: ShardCommand;
  shard: { index: number; count: number; source: string };
  config: { name: string; sha256: string };
  checkpoint: { path: string; file: string; sha256: string };
  /** Options that change what is computed or written (split, limit, metrics, views, backend, ...): equal in every shard of a set. */
  run: Record<string, JsonValue>;
  range: PartRange;
  result: ShardResult;
  files: ShardFileEntry[];
  /** Per-image outputs written beside (label maps, overlays, drawings), relative to the shards' folder: they must still exist when merging. */
  outputs: string[];
  host: string;
  pid: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Read and shape-check a manifest; anything off is one line naming the file and the field. */
export function readManifest(path: string): ShardManifest {
  const name = basename(path);
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${name}: not a readable shard manifest (${(e as Error).message})`);
  }
  if (!isObject(m) || m.format !== SHARD_FORMAT) throw new UserError(`${name}: not a ${SHARD_FORMAT} manifest (format ${isObject(m) ? JSON.stringify(m.format) : 'missing'})`);
  const need = (ok: boolean, field: string) => {
    if (!ok) throw new UserError(`${name}: malformed shard manifest (field ${field})`);
  };
  need(m.command === 'test' || m.command === 'seg-test' || m.command === 'infer', 'command');
  const s = m.shard;
  need(isObject(s) && Number.isSafeInteger(s.index) && Number.isSafeInteger(s.count) && (s.index as number) >= 0 && (s.index as number) < (s.count as number), 'shard');
  need(isObject(m.config) && typeof m.config.sha256 === 'string' && typeof m.config.name === 'string', 'config');
  need(isObject(m.checkpoint) && typeof m.checkpoint.sha256 === 'string' && typeof m.checkpoint.path === 'string', 'checkpoint');
  need(isObject(m.run), 'run');
  const r = m.range;
  need(isObject(r) && [r.total, r.start, r.end].every((x) => Number.isSafeInteger(x)) && typeof r.listSha256 === 'string', 'range');
  need(isObject(m.result) && ['coco', 'miou', 'drawings'].includes(m.result.kind as string), 'result');
  need(Array.isArray(m.files) && m.files.every((f) => isObject(f) && typeof f.name === 'string' && typeof f.role === 'string' && typeof f.sha256 === 'string' && Number.isSafeInteger(f.bytes)), 'files');
  need(Array.isArray(m.outputs) && m.outputs.every((o) => typeof o === 'string'), 'outputs');
  return m as unknown as ShardManifest;
}
