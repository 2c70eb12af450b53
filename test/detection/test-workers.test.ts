/**
 * `mila test --workers 2` and `mila infer --workers 2` give exactly what one thread gives: the images go to two
 * worker threads (each loading dist/, each with its own model) and the results are merged in image order.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors.js';
import { loadExperiment } from '../../train/experiment.js';
import { createTask } from '../../tasks/create-task.js';
import { runMila } from '../cli/run-mila.js';

const CONFIG = 'mask_rcnn_mila_tiny_fpn_synthetic';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-det-workers-'));
const data = path.join(tmp, 'coco');
const ckpt = path.join(tmp, 'init.safetensors');
const W = 128;
const H = 96;
const DATA_SET = [`data.root=${data}`, `data.test.pipeline.1.imgScale=[${W},${H}]`];
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mila = runMila;

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  const made = await mila('make-data', '--kind', 'coco', '--out', data, '--images', '2', '--val-images', '4', '--size', `${W}x${H}`);
  expect(made.code, made.err).toBe(0);
  // The preset's seeded initial weights: untrained, but they do produce detections above 0.05.
  const task = await createTask(loadExperiment(CONFIG, DATA_SET));
  writeSafetensors(ckpt, task.model.stateDict());
  task.model.dispose();
});

describe('--workers for detection', () => {
  it('mila test: two workers write the same COCO results and print the same tables as one', async () => {
    const common = ['test', CONFIG, ckpt, '--eval', 'bbox', 'segm', '--backend', 'wasm', '--no-progress', '--set', ...DATA_SET];
    const one = await mila(...common.slice(0, 3), '--out', path.join(tmp, 'w1.json'), '--workers', '1', ...common.slice(3));
    const two = await mila(...common.slice(0, 3), '--out', path.join(tmp, 'w2.json'), '--workers', '2', ...common.slice(3));
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    for (const kind of ['bbox', 'segm']) {
      const a = readFileSync(path.join(tmp, `w1.${kind}.json`), 'utf8');
      const b = readFileSync(path.join(tmp, `w2.${kind}.json`), 'utf8');
      const results = JSON.parse(a) as { image_id: number }[];
      // Detections on several images, so a mix-up of image order would show.
      expect(new Set(results.map((r) => r.image_id)).size).toBeGreaterThan(1);
      expect(b).toBe(a);
    }
    expect(two.out.replace(/w2\./g, 'w1.')).toBe(one.out);
  }, 90_000);

  it('mila infer: two workers draw the same pictures as one', async () => {
    const images = JSON.parse(readFileSync(path.join(data, 'annotations/instances_val2017.json'), 'utf8')).images.map(
      (im: { file_name: string }) => path.join(data, 'val2017', im.file_name),
    );
    expect(images.every((f: string) => existsSync(f))).toBe(true);
    const run = (dir: string, n: string) => mila('infer', CONFIG, ckpt, ...images.slice(0, 3), '--out-dir', dir, '--score-thr', '0.05', '--workers', n, '--backend', 'wasm', '--no-progress', '--set', ...DATA_SET);
    const one = await run(path.join(tmp, 'i1'), '1');
    const two = await run(path.join(tmp, 'i2'), '2');
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    expect(two.out.replace(/i2/g, 'i1')).toBe(one.out);
    for (const f of images.slice(0, 3) as string[]) {
      const name = `${path.basename(f, path.extname(f))}.png`;
      expect(readFileSync(path.join(tmp, 'i2', name)).equals(readFileSync(path.join(tmp, 'i1', name)))).toBe(true);
    }
  }, 90_000);
});
