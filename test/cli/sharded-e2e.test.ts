/**
 * Sharded `mila test` / `seg-test` / `infer` and `mila merge` through the CLI, in this process: the merge of N
 * shards prints exactly what one unsharded run prints (bbox, segm, mIoU tables, byte for byte) and writes the same
 * files; incomplete or inconsistent sets are one-line errors naming the shard. The scheduler examples (separate
 * processes, scheduler variables) are test/cli/scheduler-examples.test.ts.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { ShardOutput } from '../../tasks/sharding/shard-output.js';
import { loadExperiment } from '../../train/experiment.js';
import { makeShardingFixture, type ShardingFixture } from './sharding-fixture.js';
import { runMila, type MilaRun } from './run-mila.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-shard-e2e-'));
const COMMON = ['--backend', 'wasm', '--no-progress'];
let fx: ShardingFixture;

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  fx = await makeShardingFixture(tmp);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ok(r: MilaRun): MilaRun {
  expect(r.code, r.err).toBe(0);
  return r;
}

async function mergeError(dir: string): Promise<string> {
  const r = await runMila('merge', dir);
  expect(r.code).toBe(1);
  const lines = r.err.trim().split('\n');
  expect(lines, r.err).toHaveLength(1);
  return lines[0]!;
}

const files = (dir: string) => readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
const bytes = (f: string) => readFileSync(f);

/** Stat k (0..11) of the pycocotools summary printed after `Evaluating <kind>...`. */
function stat(out: string, kind: string, k: number): number {
  const lines = out.split('\n');
  return Number(lines[lines.indexOf(`Evaluating ${kind}...`) + 1 + k]!.split('=').at(-1));
}

describe('mila test --shard and mila merge (detection)', () => {
  const detShards = path.join(tmp, 'det-shards');

  it('3 shards merge into the bbox and segm tables and results files of one run, byte for byte; so does 1 shard', async () => {
    const oneDir = path.join(tmp, 'det-one');
    mkdirSync(oneDir);
    const one = ok(await runMila('test', fx.det.config, fx.det.checkpoint, '--eval', 'bbox', 'segm', '--out', path.join(oneDir, 'results.json'), '--workers', '1', ...COMMON));
    // A real evaluation: results for every image and bbox and segm stats above zero.
    expect(one.lines[0]).toMatch(/^wrote \d+ bbox results to /);
    expect(stat(one.out, 'bbox', 1)).toBeGreaterThan(0);
    expect(stat(one.out, 'segm', 8)).toBeGreaterThan(0);

    for (let i = 0; i < 3; i++) {
      // The last shard (2 images) shares them out to 2 worker threads: --workers keeps working inside a shard.
      const r = ok(await runMila('test', fx.det.config, fx.det.checkpoint, '--eval', 'bbox', 'segm', '--shard', `${i}/3`, '--out-dir', detShards, '--workers', i === 2 ? '2' : '1', ...COMMON));
      expect(r.lines).toEqual([expect.stringMatching(new RegExp(`^shard ${i}/3 \\(from --shard ${i}/3\\): ${[1, 2, 2][i]} of 5 images`))]);
    }
    expect(files(detShards)).toEqual([0, 1, 2].flatMap((i) => ['bbox', 'manifest', 'segm'].map((r) => `shard-${i}-of-3.${r}.json`)));
    const merged = ok(await runMila('merge', detShards));
    expect(merged.out).toBe(one.out.replaceAll(oneDir, detShards));
    expect(merged.err).toMatch(/^mila merge: merged 3 shards of mila test mask_rcnn_mila_tiny_fpn_synthetic \(5 images; /);
    for (const kind of ['bbox', 'segm']) expect(bytes(path.join(detShards, `results.${kind}.json`)).equals(bytes(path.join(oneDir, `results.${kind}.json`)))).toBe(true);

    const single = path.join(tmp, 'det-single');
    ok(await runMila('test', fx.det.config, fx.det.checkpoint, '--eval', 'bbox', 'segm', '--shard', '0/1', '--out-dir', single, '--workers', '1', ...COMMON));
    expect(ok(await runMila('merge', single)).out).toBe(one.out.replaceAll(oneDir, single));
  });

  it('a missing, crashed, duplicated, stale or altered shard is a one-line error naming it; a rerun replaces only its own files', async () => {
    const dir = path.join(tmp, 'det-broken');
    const reset = () => {
      rmSync(dir, { recursive: true, force: true });
      cpSync(detShards, dir, { recursive: true });
    };
    reset();
    rmSync(path.join(dir, 'shard-1-of-3.manifest.json'));
    expect(await mergeError(dir)).toMatch(/^mila merge: shard 1\/3 missing in .*det-broken \(no shard-1-of-3\.manifest\.json\): .* run it with --shard 1\/3$/);

    // A shard that dies halfway: it has removed its old manifest and written a part, but never its manifest.
    reset();
    const cfg = loadExperiment(fx.det.config);
    const crashed = ShardOutput.open(dir, { index: 2, count: 3, source: 'test' }, 'test', cfg, fx.det.checkpoint);
    crashed.writeJson('bbox', []);
    expect(await mergeError(dir)).toContain('shard 2/3 missing');

    reset();
    copyFileSync(path.join(dir, 'shard-0-of-3.manifest.json'), path.join(dir, 'shard-0-of-3 (copy).manifest.json'));
    expect(await mergeError(dir)).toBe('mila merge: shard-0-of-3 (copy).manifest.json: holds the manifest of shard 0/3 (shard-0-of-3.manifest.json): a duplicate or a renamed copy; remove it');

    reset();
    const m = JSON.parse(readFileSync(path.join(dir, 'shard-1-of-3.manifest.json'), 'utf8'));
    writeFileSync(path.join(dir, 'shard-1-of-4.manifest.json'), JSON.stringify({ ...m, shard: { ...m.shard, count: 4 } }));
    expect(await mergeError(dir)).toBe('mila merge: shard-1-of-4.manifest.json: a shard of 4, but shards 0/3, 1/3, 2/3 are of 3 (left from another run? remove it)');
    // A shard of another count refuses to start in that folder (a Slurm task resubmitted alone would be shard 0/1).
    const stale = await runMila('test', fx.det.config, fx.det.checkpoint, '--shard', '0/1', '--out-dir', dir, ...COMMON);
    expect(stale.code).toBe(1);
    expect(stale.err.trim()).toMatch(/^mila test: .*shard-0-of-3\.manifest\.json is a shard of 3 but this is shard 0\/1 \(from --shard 0\/1\): use another --out-dir/);

    reset();
    const bbox1 = path.join(dir, 'shard-1-of-3.bbox.json');
    writeFileSync(bbox1, readFileSync(bbox1, 'utf8').replace(/"score":0\.1/, '"score":0.2'));
    expect(await mergeError(dir)).toBe(`mila merge: ${bbox1}: changed since shard 1/3 wrote it (size or sha256 differs from shard-1-of-3.manifest.json); rerun that shard`);

    // Rerunning shard 1 rewrites its own files and leaves the others' untouched; the set is whole again.
    const before = new Map(files(dir).map((f) => [f, statSync(path.join(dir, f)).mtimeMs]));
    ok(await runMila('test', fx.det.config, fx.det.checkpoint, '--eval', 'bbox', 'segm', '--shard', '1/3', '--out-dir', dir, '--workers', '1', ...COMMON));
    for (const [f, t] of before) {
      if (f.startsWith('shard-1-of-3.')) expect(statSync(path.join(dir, f)).mtimeMs, f).toBeGreaterThan(t);
      else expect(statSync(path.join(dir, f)).mtimeMs, f).toBe(t);
    }
    expect(ok(await runMila('merge', dir)).out).toBe(ok(await runMila('merge', detShards)).out.replaceAll(detShards, dir));
  });

  it('--out-dir without a shard, --out with one, and a shard without --out-dir are refused', async () => {
    const cases: [string[], RegExp][] = [
      [['--out-dir', path.join(tmp, 'x')], /--out-dir is the folder of a sharded run/],
      [['--shard', '0/2', '--out-dir', path.join(tmp, 'x'), '--out', path.join(tmp, 'x.json')], /--out is the results file of one run/],
      [['--shard', '0/2'], /shard 0\/2 \(from --shard 0\/2\) needs --out-dir DIR/],
    ];
    for (const [args, msg] of cases) {
      const r = await runMila('test', fx.det.config, fx.det.checkpoint, ...args, ...COMMON);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(msg);
    }
    expect(existsSync(path.join(tmp, 'x'))).toBe(false);
  });
});

describe('seg-test --shard and mila merge (mIoU)', () => {
  const segOne = path.join(tmp, 'seg-one');
  const segShards = path.join(tmp, 'seg-shards');
  const SEG = () => [fx.seg.config, fx.seg.checkpoint, '--data-root', fx.adeRoot, '--workers', '1', ...COMMON];

  it('3 shards of --aug-test merge into the mIoU tables of one run, byte for byte, with the same label maps', async () => {
    const one = ok(await runMila('seg-test', ...SEG(), '--aug-test', '--out-dir', segOne, '--json'));
    const json = JSON.parse(one.lines.at(-1)!);
    expect(json.mIoU).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) ok(await runMila('seg-test', ...SEG(), '--aug-test', '--shard', `${i}/3`, '--out-dir', segShards));
    const merged = ok(await runMila('merge', segShards));
    // One run: a timing line, the tables, `predictions written to`, the JSON line. The merge: the tables, the merged file, the same folder line.
    const tables = one.lines.slice(1, -2);
    expect(tables.length).toBeGreaterThan(150);
    expect(merged.lines).toEqual([...tables, `wrote the per-class areas and metrics of 5 images to ${path.join(segShards, 'results.miou.json')}`, `predictions written to ${segShards}`]);
    const pngs = files(segOne);
    expect(pngs).toHaveLength(5);
    for (const f of pngs) expect(bytes(path.join(segShards, f)).equals(bytes(path.join(segOne, f))), f).toBe(true);
    const written = JSON.parse(readFileSync(path.join(segShards, 'results.miou.json'), 'utf8'));
    expect([written.numImages, written.aAcc, written.mIoU, written.mAcc]).toEqual([5, json.aAcc, json.mIoU, json.mAcc]);
    expect(written.IoU).toEqual(json.IoU);
  });

  it('shards of another checkpoint, config or option are named', async () => {
    const dir = path.join(tmp, 'seg-mixed');
    const run = (i: number, n: number, ...extra: string[]) => runMila('seg-test', ...SEG(), '--shard', `${i}/${n}`, '--out-dir', dir, ...extra);
    ok(await run(0, 2));
    ok(await run(1, 2, '--mode', 'slide'));
    expect(await mergeError(dir)).toBe('mila merge: shard-1-of-2.manifest.json: run option mode="slide" differs from shard 0/2 (mode="whole")');
    const other = path.join(tmp, 'seg-other.safetensors');
    const ckpt = readFileSync(fx.seg.checkpoint);
    ckpt[ckpt.length - 1] ^= 1;
    writeFileSync(other, ckpt);
    ok(await runMila('seg-test', fx.seg.config, other, ...SEG().slice(2), '--shard', '1/2', '--out-dir', dir));
    expect(await mergeError(dir)).toMatch(/^mila merge: shard-1-of-2\.manifest\.json: checkpoint .*seg-other\.safetensors \(sha256 [0-9a-f]{12}\) differs from shard 0\/2 \(.*seg\.safetensors \(sha256 [0-9a-f]{12}\)\)$/);
    ok(await runMila('seg-test', fx.seg.config, fx.seg.checkpoint, ...SEG().slice(2), '--shard', '1/2', '--out-dir', dir, '--set', 'seed=7'));
    expect(await mergeError(dir)).toMatch(/^mila merge: shard-1-of-2\.manifest\.json: config upernet_tinyconv_64x64_500_ade20k \(sha256 [0-9a-f]{12}\) differs from shard 0\/2 /);
    ok(await run(1, 2));
    expect(ok(await runMila('merge', dir)).lines.at(-1)).toBe(`predictions written to ${dir}`);
  });

  it('mila test on a segmentation config: 2 shards merge into the tables of one run', async () => {
    const one = ok(await runMila('test', fx.seg.config, fx.seg.checkpoint, '--split', 'val', '--eval', 'mIoU', ...COMMON));
    const dir = path.join(tmp, 'seg-test-cmd');
    for (const i of [0, 1]) ok(await runMila('test', fx.seg.config, fx.seg.checkpoint, '--split', 'val', '--shard', `${i}/2`, '--out-dir', dir, ...COMMON));
    const merged = ok(await runMila('merge', dir));
    expect(merged.lines).toEqual([...one.lines, `wrote the per-class areas and metrics of 5 images to ${path.join(dir, 'results.miou.json')}`]);
  });
});

describe('infer --shard and mila merge', () => {
  it('2 shards draw the files one run draws and merge prints its lines; images are split by sorted path', async () => {
    const sorted = [...fx.valImages].sort();
    const oneDir = path.join(tmp, 'infer-one');
    const one = ok(await runMila('infer', fx.det.config, fx.det.checkpoint, ...sorted, '--out-dir', oneDir, '--workers', '1', ...COMMON));
    expect(one.lines).toHaveLength(5);
    const dir = path.join(tmp, 'infer-shards');
    // Each shard gets the images in another order (as shells on two machines might expand a glob).
    for (const [i, list] of [[0, [...sorted].reverse()], [1, sorted]] as const) ok(await runMila('infer', fx.det.config, fx.det.checkpoint, ...list, '--out-dir', dir, '--shard', `${i}/2`, '--workers', '1', ...COMMON));
    const merged = ok(await runMila('merge', dir));
    expect(merged.out).toBe(one.out.replaceAll(oneDir, dir));
    for (const f of files(oneDir)) expect(bytes(path.join(dir, f)).equals(bytes(path.join(oneDir, f))), f).toBe(true);
    // The shared folder seen elsewhere (another mount point, another working directory): the set is still whole.
    const moved = path.join(tmp, 'infer-shards-moved');
    renameSync(dir, moved);
    expect(ok(await runMila('merge', moved)).out).toBe(merged.out);
    renameSync(moved, dir);
    rmSync(path.join(dir, files(oneDir)[3]!));
    expect(await mergeError(dir)).toMatch(/: missing \(written by shard 1\/2, listed in shard-1-of-2\.manifest\.json\); rerun that shard$/);
  });
});
