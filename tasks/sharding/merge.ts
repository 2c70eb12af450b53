import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import type { CocoResult } from '../../eval/coco/index.js';
import type { CocoEvalPart, EvalPart, MIoUEvalPart } from '../eval-part.js';
import { reportEvalPart } from '../eval-report.js';
import { canonicalJson, sha256 } from './hashes.js';
import { readManifest, type ShardManifest } from './manifest.js';
import { MANIFEST_SUFFIX, shardLabel, shardRange, shardStem } from './shard-spec.js';

interface Loaded {
  file: string;
  m: ShardManifest;
}

export interface MergeOutcome {
  /** What the unsharded command prints (stdout). */
  lines: string[];
  /** About the set itself (stderr): shards, images, time. */
  summary: string;
}

const label = (x: Loaded): string => shardLabel(x.m.shard);

/**
 * The value most shards have for `key` (ties: the lowest shard's); the first shard that differs is named in a
 * one-line error, beside the shards it disagrees with.
 */
function requireSame(set: readonly Loaded[], what: string, key: (x: Loaded) => string, show: (x: Loaded, other: Loaded) => string): void {
  const odd = oddOneOut(set, key);
  if (odd) throw new UserError(`${odd.x.file}: ${what} ${show(odd.x, odd.ref[0]!)} differs from ${shardList(odd.ref)} (${show(odd.ref[0]!, odd.x)})`);
}

function oddOneOut(set: readonly Loaded[], key: (x: Loaded) => string): { x: Loaded; ref: Loaded[] } | null {
  const groups = new Map<string, Loaded[]>();
  for (const x of set) groups.set(key(x), [...(groups.get(key(x)) ?? []), x]);
  if (groups.size <= 1) return null;
  const ref = [...groups.values()].reduce((a, b) => (b.length > a.length ? b : a));
  return { x: set.find((x) => key(x) !== key(ref[0]!))!, ref };
}

const shardList = (xs: readonly Loaded[]): string => `shard${xs.length > 1 ? 's' : ''} ${xs.map(label).join(', ')}`;

/** The run option that differs between two shards, for the message. */
function firstDifference(a: Record<string, unknown>, b: Record<string, unknown>): string {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (canonicalJson(a[k]) !== canonicalJson(b[k])) return `${k}=${JSON.stringify(a[k] ?? null)}`;
  }
  return '';
}

/** The manifests in `dir`, checked to be one complete, consistent set, in shard order. */
export function loadShardSet(dir: string): Loaded[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${dir}: not a folder`);
  const names = readdirSync(dir).filter((f) => f.endsWith(MANIFEST_SUFFIX) && !f.startsWith('.')).sort();
  if (!names.length) throw new UserError(`${dir}: no shard manifests (shard-<i>-of-<N>${MANIFEST_SUFFIX}): no shard has finished here yet`);
  const set = names.map((f) => ({ file: f, m: readManifest(join(dir, f)) }));
  for (const x of set) {
    const want = `${shardStem(x.m.shard)}${MANIFEST_SUFFIX}`;
    if (x.file !== want) throw new UserError(`${x.file}: holds the manifest of shard ${label(x)} (${want}): a duplicate or a renamed copy; remove it`);
  }
  const stale = oddOneOut(set, (x) => String(x.m.shard.count));
  if (stale) throw new UserError(`${stale.x.file}: a shard of ${stale.x.m.shard.count}, but ${shardList(stale.ref)} ${stale.ref.length > 1 ? 'are' : 'is'} of ${stale.ref[0]!.m.shard.count} (left from another run? remove it)`);
  requireSame(set, 'command', (x) => x.m.command, (x) => `mila ${x.m.command}`);
  requireSame(set, 'config', (x) => x.m.config.sha256, (x) => `${x.m.config.name} (sha256 ${x.m.config.sha256.slice(0, 12)})`);
  requireSame(set, 'checkpoint', (x) => x.m.checkpoint.sha256, (x) => `${x.m.checkpoint.path} (sha256 ${x.m.checkpoint.sha256.slice(0, 12)})`);
  requireSame(set, 'run option', (x) => canonicalJson(x.m.run), (x, other) => firstDifference(x.m.run, other.m.run));
  requireSame(set, 'image list', (x) => `${x.m.range.total}:${x.m.range.listSha256}`, (x) => `(${x.m.range.total} images, sha256 ${x.m.range.listSha256.slice(0, 12)})`);

  const count = set[0]!.m.shard.count;
  const byIndex = new Map(set.map((x) => [x.m.shard.index, x]));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) {
    const which = missing.map((i) => `${i}/${count}`).join(', ');
    throw new UserError(
      `shard${missing.length > 1 ? 's' : ''} ${which} missing in ${dir} (no ${shardStem({ index: missing[0]!, count })}${MANIFEST_SUFFIX}): not run yet, still running, or stopped before its end; run ${missing.length > 1 ? 'them' : 'it'} with --shard ${missing[0]}/${count}${missing.length > 1 ? ' ...' : ''}`,
    );
  }
  const ordered = Array.from({ length: count }, (_, i) => byIndex.get(i)!);
  for (const x of ordered) {
    const { start, end } = shardRange(x.m.range.total, x.m.shard);
    if (x.m.range.start !== start || x.m.range.end !== end) throw new UserError(`${x.file}: covers positions ${x.m.range.start}..${x.m.range.end - 1}, but shard ${label(x)} of ${x.m.range.total} images is ${start}..${end - 1}`);
    const n = itemsOf(x).length;
    if (n !== end - start) throw new UserError(`${x.file}: lists ${n} images for a block of ${end - start}`);
  }
  const seen = new Map<string, Loaded>();
  for (const x of ordered) {
    for (const item of itemsOf(x)) {
      const key = String(item);
      const prev = seen.get(key);
      if (prev) throw new UserError(`${x.file}: image ${key} is also in shard ${label(prev)}`);
      seen.set(key, x);
    }
  }
  for (const x of ordered) checkFiles(dir, x);
  return ordered;
}

function itemsOf(x: Loaded): readonly (string | number)[] {
  const r = x.m.result;
  return r.kind === 'coco' ? r.imageIds : r.kind === 'miou' ? r.names : r.images.map((im) => im.image);
}

/** Every file a manifest lists is there, with its recorded size and hash; every per-image output exists. */
function checkFiles(dir: string, x: Loaded): void {
  for (const f of x.m.files) {
    const path = join(dir, f.name);
    if (!existsSync(path)) throw new UserError(`${path}: missing (listed by ${x.file})`);
    const bytes = readFileSync(path);
    if (bytes.length !== f.bytes || sha256(bytes) !== f.sha256) throw new UserError(`${path}: changed since shard ${label(x)} wrote it (size or sha256 differs from ${x.file}); rerun that shard`);
  }
  const gone = x.m.outputs.map((o) => join(dir, o)).find((o) => !existsSync(o));
  if (gone) throw new UserError(`${gone}: missing (written by shard ${label(x)}, listed in ${x.file}); rerun that shard`);
}

function readResults(dir: string, x: Loaded, role: string): CocoResult[] {
  const f = x.m.files.find((e) => e.role === role);
  if (!f) throw new UserError(`${x.file}: lists no ${role} results file`);
  const list = JSON.parse(readFileSync(join(dir, f.name), 'utf8')) as unknown;
  if (!Array.isArray(list)) throw new UserError(`${join(dir, f.name)}: not a COCO results list`);
  return list as CocoResult[];
}

/** The shards' parts joined in shard order: what one run over the whole split computes. */
function joinParts(dir: string, set: readonly Loaded[]): EvalPart | null {
  const first = set[0]!.m;
  const range = { ...first.range, start: 0, end: first.range.total };
  const r0 = first.result;
  if (r0.kind === 'coco') {
    const part: CocoEvalPart = { kind: 'coco', range, annFile: r0.annFile, metrics: r0.metrics, withMask: r0.withMask, imageIds: [], bbox: [], segm: [] };
    for (const x of set) {
      const r = x.m.result as typeof r0;
      for (const id of r.imageIds) part.imageIds.push(id);
      for (const d of readResults(dir, x, 'bbox')) part.bbox.push(d);
      if (r0.withMask) for (const d of readResults(dir, x, 'segm')) part.segm.push(d);
    }
    return part;
  }
  if (r0.kind === 'miou') {
    const k = r0.totals.intersect.length;
    const part: MIoUEvalPart = { kind: 'miou', range, classNames: r0.classNames, names: [], totals: { intersect: new Array<number>(k).fill(0), predArea: new Array<number>(k).fill(0), labelArea: new Array<number>(k).fill(0), numImages: 0 } };
    for (const x of set) {
      const r = x.m.result as typeof r0;
      if (r.totals.intersect.length !== k) throw new UserError(`${x.file}: ${r.totals.intersect.length} classes, shard ${label(set[0]!)} has ${k}`);
      for (const name of r.names) part.names.push(name);
      for (let c = 0; c < k; c++) {
        part.totals.intersect[c]! += r.totals.intersect[c]!;
        part.totals.predArea[c]! += r.totals.predArea[c]!;
        part.totals.labelArea[c]! += r.totals.labelArea[c]!;
      }
      part.totals.numImages += r.totals.numImages;
    }
    return part;
  }
  return null;
}

/**
 * `mila merge DIR`: check that DIR holds every shard of one run (same config, checkpoint, options and split), join
 * their parts in shard order, and print what the unsharded command prints: the pycocotools summaries (`test`,
 * detection), mmseg's tables (`test`, segmentation; `seg-test`), or the per-image lines (`infer`). The merged
 * results go to `out` (default DIR/results.json: `results.bbox.json`/`results.segm.json`, or `results.miou.json`).
 */
export function mergeShards(dir: string, out: string | null): MergeOutcome {
  const set = loadShardSet(dir);
  const first = set[0]!.m;
  const images = first.range.total;
  const seconds = set.map((x) => x.m.seconds);
  const summary =
    `merged ${set.length} shard${set.length > 1 ? 's' : ''} of mila ${first.command} ${first.config.name} (${images} images; checkpoint ${first.checkpoint.path}, sha256 ${first.checkpoint.sha256.slice(0, 12)}); ` +
    `shard time ${Math.min(...seconds).toFixed(1)}-${Math.max(...seconds).toFixed(1)} s, ${seconds.reduce((a, b) => a + b, 0).toFixed(1)} s in all`;
  const part = joinParts(dir, set);
  if (!part) {
    const lines = set.flatMap((x) => (x.m.result.kind === 'drawings' ? x.m.result.images : [])).map((w) => `${w.out}: ${w.drawn} detections drawn (${w.total} above 0.05)`);
    return { lines, summary };
  }
  const { lines } = reportEvalPart(part, out ?? join(dir, 'results.json'));
  if (first.command === 'seg-test') {
    if (typeof first.run.labelDir === 'string') lines.push(`predictions written to ${first.run.labelDir}`);
    if (typeof first.run.showDir === 'string') lines.push(`overlays written to ${first.run.showDir}`);
  }
  return { lines, summary };
}
