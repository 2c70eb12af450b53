/**
 * A fatal error ends the process: the real `mila` binary (dist/, as a scheduler runs it) is spawned for each
 * failure of train/test/seg-test/infer with worker threads, and must exit with code 1 and one line on stderr
 * within seconds, not hang after its message. One case runs `runTraining` without the CLI's final exit, so the
 * loader workers' own teardown is what lets that process end.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { encodeLabelPng } from '../../core/io/label-png.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { UPERNET_TINYCONV } from '../../configs/upernet.js';
import { EncoderDecoder } from '../../models/segmentor/encoder-decoder.js';
import { loadExperiment } from '../../train/experiment.js';
import { createTask } from '../../tasks/create-task.js';
import { runMila } from './run-mila.js';
import { DEADLINE_MS, ROOT, expectFatal, runNode, spawnMila as spawnInTmp } from './spawn-mila.js';

const DET = 'mask_rcnn_mila_tiny_fpn_synthetic';
const SEG = 'upernet_tinyconv_64x64_500_ade20k';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-fatal-'));
const coco = path.join(tmp, 'coco');
const ade = path.join(tmp, 'ade', 'ADEChallengeData2016');
const detCkpt = path.join(tmp, 'det.safetensors');
const segCkpt = path.join(tmp, 'seg.safetensors');
const DET_SET = (root: string) => [`data.root=${root}`, 'data.train.pipeline.2.imgScale=[[64,64]]', 'data.val.pipeline.1.imgScale=[64,64]', 'data.test.pipeline.1.imgScale=[64,64]', 'data.workersPerGpu=2'];
const COMMON = ['--backend', 'wasm', '--no-progress'];
const spawnMila = (args: string[]) => spawnInTmp(args, { cwd: tmp });

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  expect((await runMila('make-data', '--kind', 'coco', '--out', coco, '--images', '4', '--val-images', '3', '--size', '64x64')).code).toBe(0);
  expect((await runMila('make-data', '--kind', 'ade20k', '--out', path.join(tmp, 'ade'), '--images', '2', '--val-images', '2', '--size', '64x64')).code).toBe(0);
  const det = await createTask(loadExperiment(DET, DET_SET(coco)));
  writeSafetensors(detCkpt, det.model.stateDict());
  const seg = new EncoderDecoder(UPERNET_TINYCONV.model);
  writeSafetensors(segCkpt, seg.stateDict());
  seg.dispose();
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function firstImage(root: string, split: 'train2017' | 'val2017'): string {
  return (JSON.parse(readFileSync(path.join(root, `annotations/instances_${split}.json`), 'utf8')).images as { file_name: string }[])[0]!.file_name;
}

/** A copy of the COCO folder whose first image of `split` is not an image any more. */
function cocoWithBrokenImage(split: 'train2017' | 'val2017'): { root: string; broken: string } {
  const root = path.join(tmp, `coco-broken-${split}`);
  cpSync(coco, root, { recursive: true });
  const broken = path.join(root, split, firstImage(root, split));
  writeFileSync(broken, 'not a jpeg');
  return { root, broken };
}

describe('a fatal error ends mila with exit code 1 within seconds', () => {
  it('train: a refused runner setting after the loader workers started', async () => {
    const r = await spawnMila(['train', DET, '--work-dir', path.join(tmp, 'w-max'), ...COMMON, '--set', ...DET_SET(coco), 'runner.max=-5']);
    expectFatal(r, 'train', /runner\.max must be a positive integer, got -5$/);
  });

  it('train: the same failure ends the process without the CLI exit (the loader workers are closed)', async () => {
    const script = `
      import { loadExperiment } from ${JSON.stringify(path.join(ROOT, 'dist/train/experiment.js'))};
      import { runTraining } from ${JSON.stringify(path.join(ROOT, 'dist/tasks/run-training.js'))};
      import { initBackend } from ${JSON.stringify(path.join(ROOT, 'dist/core/backend.js'))};
      await initBackend('wasm', { quiet: true });
      const cfg = loadExperiment(${JSON.stringify(DET)}, ${JSON.stringify([...DET_SET(coco), 'runner.max=-5'])});
      try { await runTraining(cfg, { workDir: ${JSON.stringify(path.join(tmp, 'w-lib'))}, progress: false, log: () => {} }); }
      catch (e) { process.stderr.write('failed: ' + e.message + '\\n'); process.exitCode = 1; }`;
    const r = await runNode(['--input-type=module', '-e', script], { cwd: tmp });
    expect(r.timedOut, `still running after ${DEADLINE_MS} ms: something kept the event loop alive`).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('failed: mask_rcnn_mila_tiny_fpn_synthetic: runner.max must be a positive integer');
  });

  it('train: a corrupt training image in a loader worker, mid-run', async () => {
    const { root, broken } = cocoWithBrokenImage('train2017');
    const r = await spawnMila(['train', DET, '--work-dir', path.join(tmp, 'w-img'), ...COMMON, '--set', ...DET_SET(root), 'runner.type=iter', 'runner.max=4', 'runner.evalInterval=0']);
    expectFatal(r, 'train', new RegExp(path.basename(broken)));
  });

  it('test --workers 2: a corrupt val image in one of the evaluation workers', async () => {
    const { root, broken } = cocoWithBrokenImage('val2017');
    const r = await spawnMila(['test', DET, detCkpt, '--eval', 'bbox', '--workers', '2', ...COMMON, '--set', ...DET_SET(root)]);
    expectFatal(r, 'test', new RegExp(path.basename(broken)));
  });

  it('infer --workers 2: a missing image among good ones', async () => {
    const good = path.join(tmp, 'good.jpg');
    copyFileSync(path.join(coco, 'val2017', firstImage(coco, 'val2017')), good);
    const r = await spawnMila(['infer', DET, detCkpt, good, path.join(tmp, 'missing.jpg'), good, '--out-dir', path.join(tmp, 'vis'), '--workers', '2', ...COMMON, '--set', ...DET_SET(coco)]);
    expectFatal(r, 'infer', /missing\.jpg/);
  });

  it('seg-test --workers 2: a label map of the wrong size', async () => {
    const root = path.join(tmp, 'ade-bad', 'ADEChallengeData2016');
    cpSync(ade, root, { recursive: true });
    const labels = path.join(root, 'annotations/validation');
    const name = readdirSync(labels).sort()[0]!;
    writeFileSync(path.join(labels, name), encodeLabelPng(new Uint8Array(5 * 7), 7, 5));
    const r = await spawnMila(['seg-test', SEG, segCkpt, '--data-root', root, '--workers', '2', ...COMMON]);
    expectFatal(r, 'seg-test', new RegExp(`${name} is 5x7 but its image`));
  });
});
