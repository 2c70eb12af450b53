import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ade20kDataset } from '../../datasets/ade20k/ade20k-dataset.js';
import { CocoInstances } from '../../datasets/coco/coco-instances.js';
import { writeSyntheticAde20k } from '../../datasets/synthetic/ade20k-synthetic.js';
import { writeSyntheticCoco } from '../../datasets/synthetic/coco-synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'synthetic-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

function sameBytes(a: string, b: string): boolean {
  const fa = listFiles(a);
  if (fa.join() !== listFiles(b).join()) return false;
  return fa.every((f) => readFileSync(join(a, f)).equals(readFileSync(join(b, f))));
}

describe('synthetic COCO', () => {
  const opts = { trainImages: 6, valImages: 2, width: 96, height: 80 };
  it('same seed, same bytes; another seed, other bytes', async () => {
    await writeSyntheticCoco({ ...opts, out: join(root, 'a'), seed: 5 });
    await writeSyntheticCoco({ ...opts, out: join(root, 'b'), seed: 5 });
    await writeSyntheticCoco({ ...opts, out: join(root, 'c'), seed: 6 });
    expect(listFiles(join(root, 'a'))).toEqual([
      'annotations/instances_train2017.json',
      'annotations/instances_val2017.json',
      ...[1, 2, 3, 4, 5, 6].map((i) => `train2017/00000000000${i}.jpg`),
      'val2017/000000000001.jpg',
      'val2017/000000000002.jpg',
    ]);
    expect(sameBytes(join(root, 'a'), join(root, 'b'))).toBe(true);
    expect(readFileSync(join(root, 'a/train2017/000000000001.jpg')).equals(readFileSync(join(root, 'c/train2017/000000000001.jpg')))).toBe(false);
  });

  it('is a valid COCO instances dataset: polygons that match their masks, crowd RLEs, 5 shape classes', async () => {
    const ann = JSON.parse(readFileSync(join(root, 'a/annotations/instances_train2017.json'), 'utf8'));
    expect(ann.categories.map((c: { name: string }) => c.name)).toEqual(['circle', 'rectangle', 'triangle', 'ring', 'star']);
    const ds = new CocoInstances({ annFile: join(root, 'a/annotations/instances_train2017.json'), imgPrefix: join(root, 'a/train2017'), testMode: true });
    expect(ds.length).toBe(6);
    for (let i = 0; i < ds.length; i++) {
      const s = await ds.get(i);
      expect([s.img.height, s.img.width]).toEqual([80, 96]);
      const anns = ann.annotations.filter((a: { image_id: number; iscrowd: number }) => a.image_id === s.meta.imageId && !a.iscrowd);
      expect(s.gtLabels.length).toBe(anns.length);
      const plane = 80 * 96;
      anns.forEach((a: { area: number; bbox: number[]; segmentation: number[][] }, k: number) => {
        expect(Array.isArray(a.segmentation)).toBe(true);
        let area = 0;
        for (let p = 0; p < plane; p++) area += s.gtMasks!.data[k * plane + p]!;
        expect(area).toBe(a.area);
        expect(s.gtBoxes[k * 4 + 2]).toBeCloseTo(a.bbox[0]! + a.bbox[2]!, 4);
      });
    }
    for (const a of ann.annotations.filter((x: { iscrowd: number }) => x.iscrowd)) {
      expect(Array.isArray(a.segmentation.counts)).toBe(true);
      expect(a.segmentation.size).toEqual([80, 96]);
    }
  });
});

describe('synthetic ADE20K', () => {
  it('writes the ADEChallengeData2016 layout deterministically, labels within the handful of classes', async () => {
    const opts = { trainImages: 3, valImages: 1, width: 64, height: 48 };
    await writeSyntheticAde20k({ ...opts, out: join(root, 'd'), seed: 1 });
    await writeSyntheticAde20k({ ...opts, out: join(root, 'e'), seed: 1 });
    expect(sameBytes(join(root, 'd'), join(root, 'e'))).toBe(true);
    const top = join(root, 'd/ADEChallengeData2016');
    expect(listFiles(top).map((f) => relative('', f))).toContain('annotations/training/ADE_train_00000001.png');
    expect(listFiles(top)).toContain('images/validation/ADE_val_00000001.jpg');
    const ds = new Ade20kDataset({ root: top, split: 'training', reduceZeroLabel: false });
    expect(ds.length).toBe(3);
    const allowed = new Set([0, 1, 2, 3, 4, 5, 7, 10, 13, 21]);
    for (let i = 0; i < ds.length; i++) {
      const s = await ds.get(i);
      expect([s.img.height, s.img.width]).toEqual([48, 64]);
      for (const v of s.gtSemanticSeg!) expect(allowed.has(v)).toBe(true);
    }
    const reduced = await new Ade20kDataset({ root: top, split: 'training' }).get(0);
    const raw = new Ade20kDataset({ root: top, split: 'training' }).rawLabel(0);
    raw.forEach((v, k) => expect(reduced.gtSemanticSeg![k]).toBe(v === 0 ? 255 : v - 1));
  });
});
