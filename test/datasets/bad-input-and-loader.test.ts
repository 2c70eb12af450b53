import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ade20kDataset } from '../../datasets/ade20k/ade20k-dataset.js';
import { encodeLabelPng } from '../../core/io/label-png.js';
import { CocoInstances } from '../../datasets/coco/coco-instances.js';
import { BatchOrder } from '../../datasets/loader/batch-order.js';
import { detLoader } from '../../datasets/loader/data-loader.js';
import { DET_TEST, scaleDetPipeline, DET_TRAIN_MLLA_3X } from '../../datasets/pipelines/pipeline-spec.js';
import { writeSyntheticAde20k } from '../../datasets/synthetic/ade20k-synthetic.js';
import { writeSyntheticCoco } from '../../datasets/synthetic/coco-synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'bad-input-'));
const coco = join(root, 'coco');
const annFile = join(coco, 'annotations/instances_train2017.json');
beforeAll(async () => {
  await writeSyntheticCoco({ out: coco, trainImages: 8, valImages: 1, seed: 2, width: 64, height: 64 });
  await writeSyntheticAde20k({ out: join(root, 'ade'), trainImages: 2, valImages: 1, seed: 2, width: 40, height: 32 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('bad input gives one-line errors naming the file', () => {
  it('missing image file', async () => {
    const ds = new CocoInstances({ annFile, imgPrefix: join(root, 'nowhere'), testMode: true });
    await expect(ds.get(0)).rejects.toThrow(`image file not found: ${join(root, 'nowhere', '000000000001.jpg')}`);
  });

  it('corrupt JPEG', async () => {
    const dir = join(root, 'corrupt');
    mkdirSync(dir, { recursive: true });
    const good = readFileSync(join(coco, 'train2017/000000000001.jpg'));
    writeFileSync(join(dir, '000000000001.jpg'), good.subarray(0, Math.floor(good.length / 2)));
    const ds = new CocoInstances({ annFile, imgPrefix: dir, testMode: true });
    const err = await ds.get(0).catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(new RegExp(`^cannot decode image ${join(dir, '000000000001.jpg')}: `));
    expect((err as Error).message).not.toContain('\n');
  });

  it('missing annotation file and malformed JSON', () => {
    expect(() => new CocoInstances({ annFile: join(root, 'none.json'), imgPrefix: root })).toThrow(`annotation file not found: ${join(root, 'none.json')}`);
    const broken = join(root, 'broken.json');
    writeFileSync(broken, '{"images": [{"id": 1,}]}');
    expect(() => new CocoInstances({ annFile: broken, imgPrefix: root })).toThrow(new RegExp(`^${broken}: invalid JSON at byte 12`));
  });

  it('image whose size differs from the annotation file', async () => {
    const dir = join(root, 'resized');
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(root, 'ade/ADEChallengeData2016/images/training/ADE_train_00000001.jpg'), join(dir, '000000000001.jpg'));
    const ds = new CocoInstances({ annFile, imgPrefix: dir, testMode: true });
    await expect(ds.get(0)).rejects.toThrow(`image ${join(dir, '000000000001.jpg')} is 32x40 but ${annFile} records 64x64 for image id 1`);
  });

  it('label PNG of the wrong size', async () => {
    const top = join(root, 'ade/ADEChallengeData2016');
    const label = join(top, 'annotations/training/ADE_train_00000002.png');
    writeFileSync(label, encodeLabelPng(new Uint8Array(20), 4, 5));
    const ds = new Ade20kDataset({ root: top, split: 'training' });
    await expect(ds.get(1)).rejects.toThrow(`label ${label} is 4x5 but its image ${join(top, 'images/training/ADE_train_00000002.jpg')} is 32x40`);
  });
});

describe('loader', () => {
  it('batch order is a seeded per-epoch shuffle, padded from the same permutation', () => {
    const o = new BatchOrder(5, 2, true, 9);
    expect(o.itersPerEpoch).toBe(3);
    const epoch0 = [0, 1, 2].flatMap((i) => o.indices(i));
    expect([...epoch0.slice(0, 5)].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(epoch0[5]).toBe(epoch0[0]);
    const again = new BatchOrder(5, 2, true, 9);
    expect([4, 5, 3].map((i) => again.indices(i))).toEqual([4, 5, 3].map((i) => o.indices(i)));
    expect(new BatchOrder(5, 2, false, 9).indices(1)).toEqual([2, 3]);
  });

  it('resuming at iteration k yields exactly the batches of the uninterrupted run', async () => {
    const ds = new CocoInstances({ annFile, imgPrefix: join(coco, 'train2017') });
    const pipeline = { kind: 'det' as const, transforms: scaleDetPipeline(DET_TRAIN_MLLA_3X, 0.1) };
    const full = detLoader({ dataset: ds, pipeline, batchSize: 2, seed: 4 });
    const seen: { iter: number; ids: number[]; boxes: number[] }[] = [];
    for await (const { iter, batch } of full.batches(0, 6)) seen.push({ iter, ids: batch.metas.map((m) => m.imageId), boxes: Array.from(batch.gtBoxes[0]!) });
    const resumed = detLoader({ dataset: ds, pipeline, batchSize: 2, seed: 4, prefetch: 0 });
    const later: typeof seen = [];
    for await (const { iter, batch } of resumed.batches(4, 6)) later.push({ iter, ids: batch.metas.map((m) => m.imageId), boxes: Array.from(batch.gtBoxes[0]!) });
    expect(later).toEqual(seen.slice(4));
    expect(seen.map((s) => s.iter)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("onBadSample 'skip' counts bad images and replaces them; 'stop' rethrows", async () => {
    const dir = join(root, 'partial');
    mkdirSync(dir, { recursive: true });
    for (const i of [1, 2, 3, 5, 6, 7, 8]) copyFileSync(join(coco, `train2017/00000000000${i}.jpg`), join(dir, `00000000000${i}.jpg`));
    const ds = new CocoInstances({ annFile, imgPrefix: dir, testMode: true, withMask: false });
    const pipeline = { kind: 'det' as const, transforms: DET_TEST };
    const skipped: string[] = [];
    const skip = detLoader({ dataset: ds, pipeline, batchSize: 4, shuffle: false, onBadSample: 'skip', onSkip: (m) => skipped.push(m) });
    const b = await skip.batch(0);
    expect(b.metas.length).toBe(4);
    expect(b.metas.map((m) => m.imageId)).not.toContain(4);
    expect(skip.stats.skipped).toBeGreaterThanOrEqual(1);
    expect(skipped[0]).toBe(`image file not found: ${join(dir, '000000000004.jpg')}`);
    const stop = detLoader({ dataset: ds, pipeline, batchSize: 4, shuffle: false });
    await expect(stop.batch(0)).rejects.toThrow('image file not found');
  });
});
