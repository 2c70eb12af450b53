/**
 * A backbone of the user's own, from a config file, through the CLI as a user runs it: the README's
 * `examples/custom-backbone/my-backbone.mjs` (it registers `MyBackbone`) sits in a project folder whose
 * node_modules holds mila-dense (this repository) and tfjs, a config JSON names it in `customImports`, and
 * `node dist/cli/mila.js` trains, tests (with worker threads, which import it too), infers and seg-tests.
 * Child processes on the compiled dist/ (`npm run build` first), as for every worker test: the user's module
 * imports `mila-dense/dist/...`, which must be the very modules the CLI runs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../configs/index.js';
import { readSafetensors } from '../../core/checkpoint/safetensors.js';
import { runMila } from './run-mila.js';

const REPO = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = path.join(REPO, 'dist/cli/mila.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-custom-backbone-'));
const project = path.join(tmp, 'project');
const W = 128;
const H = 96;
const CHANNELS = [8, 16, 24, 32];
const COMMON = ['--backend', 'wasm', '--no-progress'];

async function mila(cwd: string, ...args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, MILA_NUM_THREADS: '1' }, maxBuffer: 1 << 26 });
    return { out: stdout, err: stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return { out: err.stdout ?? '', err: err.stderr ?? String(e), code: typeof err.code === 'number' ? err.code : 1 };
  }
}

/** A config file of the user's: a preset with MyBackbone in place of MILA, the heads reading its channels. */
function writeConfig(file: string, preset: string, edit: (cfg: Record<string, any>) => void): void {
  const cfg = getConfig(preset) as unknown as Record<string, any>;
  cfg.model.backbone = { type: 'MyBackbone', channels: CHANNELS };
  cfg.customImports = ['./my-backbone.mjs'];
  cfg.runner = { type: 'iter', max: 2, evalInterval: 0, checkpointInterval: 2, logInterval: 1 };
  cfg.data.workersPerGpu = 0;
  edit(cfg);
  writeFileSync(file, JSON.stringify(cfg, null, 2));
}

beforeAll(async () => {
  expect(existsSync(CLI), 'build dist/ first (npm run build)').toBe(true);
  mkdirSync(path.join(project, 'node_modules/@tensorflow'), { recursive: true });
  symlinkSync(REPO, path.join(project, 'node_modules/mila-dense'));
  symlinkSync(path.join(REPO, 'node_modules/@tensorflow/tfjs-core'), path.join(project, 'node_modules/@tensorflow/tfjs-core'));
  copyFileSync(path.join(REPO, 'examples/custom-backbone/my-backbone.mjs'), path.join(project, 'my-backbone.mjs'));
  for (const [kind, size] of [['coco', `${W}x${H}`], ['ade20k', '64x64']] as const) {
    const made = await runMila('make-data', '--kind', kind, '--out', path.join(project, kind), '--images', '4', '--val-images', '3', '--size', size);
    expect(made.code, made.err).toBe(0);
  }
  writeConfig(path.join(project, 'my_mask_rcnn.json'), 'mask_rcnn_mila_tiny_fpn_synthetic', (cfg) => {
    cfg.model.neck.inChannels = CHANNELS;
    cfg.data.root = path.join(project, 'coco');
    cfg.data.train.pipeline[2].imgScale = [[W, H]];
    cfg.data.val.pipeline[1].imgScale = [W, H];
    cfg.data.test.pipeline[1].imgScale = [W, H];
  });
  writeConfig(path.join(project, 'my_upernet.json'), 'upernet_tinyconv_64x64_500_ade20k', (cfg) => {
    cfg.model.decodeHead.inChannels = CHANNELS;
    cfg.model.auxiliaryHead.inChannels = [CHANNELS[2]];
    cfg.data.root = path.join(project, 'ade20k/ADEChallengeData2016');
    cfg.data.samplesPerGpu = 2;
  });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a registered backbone of the user, named in a config file', () => {
  const det = path.join(project, 'work_det');

  it('mila train builds it from the config and checkpoints its weights under backbone.*', async () => {
    const r = await mila(project, 'train', 'my_mask_rcnn.json', '--work-dir', det, ...COMMON);
    expect(r.code, r.err).toBe(0);
    const weights = readSafetensors(path.join(det, 'iter_2.safetensors'));
    // PyTorch layout: conv0 takes 3 channels to 8 with a 4x4 kernel; the FPN reads 8..32 channels.
    expect(weights.get('backbone.conv0.weight')?.shape).toEqual([8, 3, 4, 4]);
    expect(weights.get('backbone.conv3.weight')?.shape).toEqual([32, 24, 2, 2]);
    expect(weights.get('neck.lateral_convs.0.conv.weight')?.shape).toEqual([32, 8, 1, 1]);
    expect([...weights.keys()].some((k) => k.startsWith('backbone.layers.'))).toBe(false);
    const log = readFileSync(path.join(det, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(log.map((l) => l.iter)).toEqual([1, 2]);
    for (const l of log) expect(Number.isFinite(l.loss)).toBe(true);
    // The stored config names the module by absolute path, so it works from any folder.
    const stored = JSON.parse(readFileSync(path.join(det, 'config.json'), 'utf8')) as { customImports: string[] };
    expect(stored.customImports).toEqual([path.join(project, 'my-backbone.mjs')]);
  });

  it('mila test runs it in worker threads from the stored config, in another folder', async () => {
    const r = await mila(tmp, 'test', path.join(det, 'config.json'), path.join(det, 'iter_2'), '--eval', 'bbox', 'segm', '--workers', '2', ...COMMON);
    expect(r.code, r.err).toBe(0);
    for (const kind of ['bbox', 'segm']) expect(r.out).toContain(`Evaluating ${kind}...`);
    expect(r.out.match(/Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \] = \d\.\d{3}/g)).toHaveLength(2);
  });

  it('mila infer takes it from --import on a preset with --set', async () => {
    const image = path.join(project, 'coco/val2017', readdirSync(path.join(project, 'coco/val2017'))[0]!);
    const vis = path.join(project, 'vis');
    const r = await mila(project, 'infer', 'mask_rcnn_mila_tiny_fpn_synthetic', path.join(det, 'iter_2.safetensors'), image, '--out-dir', vis, '--import', './my-backbone.mjs', ...COMMON,
      '--set', `model.backbone=${JSON.stringify({ type: 'MyBackbone', channels: CHANNELS })}`, `model.neck.inChannels=${JSON.stringify(CHANNELS)}`);
    expect(r.code, r.err).toBe(0);
    // Every weight loaded: no missing/unexpected-keys report.
    expect(r.err).not.toContain('missing keys');
    expect(r.out).toMatch(/\.png: \d+ detections drawn/);
    expect(readdirSync(vis)).toHaveLength(1);
  });

  it('a segmentor trains on it and mila seg-test scores it with worker threads', async () => {
    const seg = path.join(project, 'work_seg');
    const t = await mila(project, 'train', 'my_upernet.json', '--work-dir', seg, ...COMMON);
    expect(t.code, t.err).toBe(0);
    expect(readSafetensors(path.join(seg, 'iter_2.safetensors')).get('backbone.conv2.weight')?.shape).toEqual([24, 16, 2, 2]);
    const r = await mila(tmp, 'seg-test', path.join(seg, 'config.json'), path.join(seg, 'iter_2'), '--data-root', path.join(project, 'ade20k/ADEChallengeData2016'), '--workers', '2', '--json', ...COMMON);
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out.trim().split('\n').at(-1)!) as { numImages: number; mIoU: number | null };
    expect(json.numImages).toBe(3);
  });

  it('without the import, the unknown type is one line naming the registered ones', async () => {
    const r = await mila(project, 'params', '--config', 'my_mask_rcnn.json');
    // The config file's own customImports make it work ...
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toMatch(/^total \d+$/);
    const bare = path.join(project, 'no_import.json');
    writeFileSync(bare, JSON.stringify({ ...JSON.parse(readFileSync(path.join(project, 'my_mask_rcnn.json'), 'utf8')), customImports: [] }));
    const e = await mila(project, 'params', '--config', bare);
    expect(e.code).toBe(1);
    // The last line of stderr (the first is the backend notice) is the whole error.
    const lines = e.err.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('mila params:'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^mila params: unknown backbone type 'MyBackbone'; registered: MILA, TinyConv\. A backbone of your own must be registered/);
  });
});
