/**
 * The data loader's worker threads (the shared pool of core/workers/worker-pool.ts running
 * datasets/loader/transform-task.js): the same batches as in-thread loading, a bad sample's one-line error
 * across the thread boundary. Workers run compiled JS, so this test drives the loader from dist/ (`npm run
 * build` first), as the CLI does.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, unlinkSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Datasets = typeof import('../../datasets/index.js');
const DIST = path.resolve(fileURLToPath(new URL('../../dist', import.meta.url)));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-loader-workers-'));
let ds: Datasets;

beforeAll(async () => {
  expect(existsSync(path.join(DIST, 'datasets/loader/transform-task.js')), 'build dist/ first (npm run build)').toBe(true);
  ds = (await import(pathToFileURL(path.join(DIST, 'datasets/index.js')).href)) as Datasets;
  await ds.writeSyntheticCoco({ out: tmp, trainImages: 6, valImages: 1, seed: 5, width: 96, height: 64 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function hashBatch(b: { images: Float32Array; gtBoxes: Float32Array[]; gtMasks: ({ data: Uint8Array } | null)[] }): string {
  const h = createHash('sha1');
  h.update(new Uint8Array(b.images.buffer, b.images.byteOffset, b.images.byteLength));
  for (const x of b.gtBoxes) h.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  for (const m of b.gtMasks) if (m) h.update(m.data);
  return h.digest('hex');
}

describe('loader worker threads', () => {
  const dataset = () => new ds.CocoInstances({ annFile: path.join(tmp, 'annotations/instances_train2017.json'), imgPrefix: path.join(tmp, 'train2017') });
  const pipeline = () => ({ kind: 'det' as const, transforms: ds.scaleDetPipeline(ds.DET_TRAIN_MLLA, 0.1) });

  it('give the same augmented batches as loading in this thread', async () => {
    const hashes: string[][] = [];
    for (const workers of [0, 2]) {
      const loader = ds.detLoader({ dataset: dataset(), pipeline: pipeline(), batchSize: 2, seed: 3, workers });
      expect(loader.workers).toBe(workers);
      const seen: string[] = [];
      for await (const { batch } of loader.batches(0, 5)) seen.push(hashBatch(batch));
      await loader.close();
      hashes.push(seen);
    }
    // Five iterations, each with its own augmentation: five different batches.
    expect(new Set(hashes[0]).size).toBe(5);
    expect(hashes[1]).toEqual(hashes[0]);
  });

  it('report a bad image from a worker as the one-line error of the main thread', async () => {
    const images = path.join(tmp, 'train2017');
    unlinkSync(path.join(images, readdirSync(images).sort()[0]!));
    const loader = ds.detLoader({ dataset: dataset(), pipeline: pipeline(), batchSize: 6, seed: 3, workers: 2 });
    await expect(loader.batch(0)).rejects.toThrow(/^image file not found: .*train2017/);
    await loader.close();
  });
});
