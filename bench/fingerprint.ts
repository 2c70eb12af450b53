#!/usr/bin/env node
/**
 * `node dist/bench/fingerprint.js [--quick] [--keep <dir>] [--keys <file>]`: prints what a refactoring must leave unchanged, as
 * `name sha256` lines, to compare before and after a change (run after `npm run build`):
 * - the state dict (names, shapes, dtypes and values) of every preset right after construction with its seed,
 *   as `mila train` builds it (manualSeed(seed), then the model);
 * - the checkpoint files after 4 training iterations of the main job and of two small segmentors on tiny
 *   synthetic data, run through the CLI in child processes (`make-data`, `train`), and the outputs of
 *   `mila test` / `mila infer` / `mila seg-test` with those checkpoints.
 * `--quick` skips the large presets (MILA-T/S/B models); `--keys` writes every preset's state-dict names and shapes
 * there (to diff when a `.keys` hash moves). Uses only the package root's exports and the CLI, so it
 * runs unchanged across moves inside the package. Not a test: it takes about a minute and needs dist/.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EncoderDecoder, MaskRCNN, configs, initBackend, manualSeed, type EncoderDecoderConfig, type Module, type StateDict } from '../index.js';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, keep: { type: 'string' }, keys: { type: 'string' } } });
const cli = fileURLToPath(new URL('../cli/mila.js', import.meta.url));
// The native GEMMs split long sums by thread count: fix it so runs on one machine compare bit for bit.
const env = { ...process.env, MILA_NUM_THREADS: '2' };
process.env.MILA_NUM_THREADS = '2';

function sha(parts: Iterable<Uint8Array | string>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

function* stateDictBytes(sd: StateDict, withValues: boolean): Generator<Uint8Array | string> {
  for (const [k, t] of sd) {
    yield `${k}|${t.dtype}|${t.shape.join('x')}\n`;
    if (withValues) yield new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  }
}

function print(name: string, hash: string, extra = ''): void {
  console.log(`${name.padEnd(58)} ${hash}${extra ? `  ${extra}` : ''}`);
}

function mila(...args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function fileHash(file: string): string {
  return sha([readFileSync(file)]);
}

/** The sidecar without what differs between identical runs: its timestamp and the temporary folder's name. */
function sidecarHash(file: string, tmp: string): string {
  const j = JSON.parse(readFileSync(file, 'utf8')) as { meta?: { savedAt?: string } };
  if (j.meta) delete j.meta.savedAt;
  return sha([JSON.stringify(j).split(tmp).join('<tmp>')]);
}

await initBackend('wasm', { quiet: true });

// 1. Every preset's state dict right after construction.
const keyLines: string[] = [];
const BIG = /_mila_[tsb]_/;
for (const name of configs.configNames()) {
  if (values.quick && BIG.test(name)) continue;
  const cfg = configs.resolveConfig(name);
  manualSeed(cfg.seed);
  const model: Module = cfg.task === 'segmentation' ? new EncoderDecoder(cfg.model as EncoderDecoderConfig) : new MaskRCNN(cfg.model as never, { seed: cfg.seed });
  const sd = model.stateDict();
  keyLines.push(...[...sd].map(([k, t]) => `${name} ${k} ${t.dtype} [${t.shape.join(', ')}]`));
  print(`init.${name}.keys`, sha(stateDictBytes(sd, false)), `${sd.size} tensors, ${model.numParameters()} parameters`);
  print(`init.${name}.values`, sha(stateDictBytes(sd, true)));
  model.dispose();
}

if (values.keys) writeFileSync(values.keys, `${keyLines.join('\n')}\n`);

// 2. Four training iterations through the CLI, then test / infer / seg-test with the checkpoint.
const tmp = values.keep ?? mkdtempSync(path.join(os.tmpdir(), 'mila-fingerprint-'));
try {
  const coco = path.join(tmp, 'coco');
  mila('make-data', '--kind', 'coco', '--out', coco, '--images', '8', '--val-images', '4', '--size', '192x160', '--seed', '3');
  const det = path.join(tmp, 'det');
  const common = ['--backend', 'wasm', '--no-progress'];
  mila('train', 'mask_rcnn_mila_main_job', '--work-dir', det, ...common, '--set', `data.root=${coco}`, 'runner.max=4', 'runner.checkpointInterval=4', 'runner.logInterval=2');
  for (const f of ['iter_4.safetensors', 'iter_4.optim.safetensors']) print(`train.main_job.${f}`, fileHash(path.join(det, f)));
  print('train.main_job.iter_4.json (no savedAt)', sidecarHash(path.join(det, 'iter_4.json'), tmp));
  const log = readFileSync(path.join(det, 'log.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const { time: _t, data_time: _d, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return JSON.stringify(rest);
  });
  print('train.main_job.log.jsonl (no times)', sha(log));
  const results = path.join(tmp, 'results.json');
  mila('test', path.join(det, 'config.json'), path.join(det, 'iter_4'), ...common, '--workers', '1', '--eval', 'bbox', 'segm', '--out', results);
  for (const kind of ['bbox', 'segm']) print(`test.main_job.results.${kind}.json`, fileHash(path.join(tmp, `results.${kind}.json`)));
  const vis = path.join(tmp, 'vis');
  const val = path.join(coco, 'val2017');
  const firstVal = path.join(val, readdirSync(val).sort()[0]!);
  mila('infer', path.join(det, 'config.json'), path.join(det, 'iter_4.safetensors'), firstVal, ...common, '--workers', '1', '--out-dir', vis);
  for (const f of readdirSync(vis).sort()) print(`infer.main_job.${f}`, fileHash(path.join(vis, f)));

  const ade = path.join(tmp, 'ade');
  mila('make-data', '--kind', 'ade20k', '--out', ade, '--images', '8', '--val-images', '3', '--size', '96x80', '--seed', '4');
  const root = path.join(ade, 'ADEChallengeData2016');
  for (const preset of ['upernet_tinyconv_64x64_500_ade20k', 'upernet_mila_micro_128x128_2k_ade20k']) {
    const work = path.join(tmp, preset);
    mila('train', preset, '--work-dir', work, ...common, '--set', `data.root=${root}`, 'runner.max=4', 'runner.checkpointInterval=4', 'runner.evalInterval=0', 'runner.logInterval=2', 'data.samplesPerGpu=2',
      // Dropout2d in the seg heads draws unseeded masks (tf.randomUniform without a seed): off, so runs compare.
      'model.decodeHead.dropoutRatio=0', 'model.auxiliaryHead.dropoutRatio=0');
    for (const f of ['iter_4.safetensors', 'iter_4.optim.safetensors']) print(`train.${preset}.${f}`, fileHash(path.join(work, f)));
    const preds = path.join(tmp, `${preset}-preds`);
    mila('seg-test', path.join(work, 'config.json'), path.join(work, 'iter_4'), '--data-root', root, ...common, '--workers', '1', '--out-dir', preds);
    print(`seg-test.${preset}.preds`, sha(readdirSync(preds).sort().map((f) => readFileSync(path.join(preds, f)))));
  }
} finally {
  if (!values.keep) rmSync(tmp, { recursive: true, force: true });
}
