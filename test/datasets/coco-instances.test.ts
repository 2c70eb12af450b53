import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CocoInstances } from '../../datasets/coco/coco-instances.js';
import { COCO_DUMMY } from '../fixtures/paths.js';

const ANN = COCO_DUMMY;

/**
 * Expected values from pycocotools 2.0 (COCO, mask.frPyObjects/merge/decode) with mmdet 2.x
 * CocoDataset._parse_ann_info's filtering, run once by hand on the same file; boxes are float32.
 */
const EXPECTED: Record<number, { labels: number[]; maskAreas: number[]; firstBoxes: number[][]; ignore: number[][] }> = {
  255917: {
    labels: [9, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 7],
    maskAreas: [378, 3518, 3707, 876, 1992, 20, 465, 456, 359, 1901, 303, 328, 524, 2060, 286, 793],
    firstBoxes: [
      [222.6199951171875, 217.82000732421875, 241.80999755859375, 238.92999267578125],
      [50.5, 329.70001220703125, 130.22999572753906, 384.9599914550781],
    ],
    ignore: [[59, 253, 311, 337]],
  },
  139: {
    labels: [58, 62, 62, 56, 56, 56, 56, 0, 0, 72, 68, 73, 73, 74, 75, 56, 75, 75, 60, 75],
    maskAreas: [531, 13247, 5846, 2251, 1848, 1292, 212, 2922, 439, 2060, 224, 342, 324, 227, 2171, 90, 187, 120, 2372, 178],
    firstBoxes: [
      [236.97999572753906, 142.50999450683594, 261.67999267578125, 212.00999450683594],
      [7.03000020980835, 167.75999450683594, 156.35000610351562, 262.6300048828125],
    ],
    ignore: [],
  },
};

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'coco-dummy-'));
  mkdirSync(join(dir, 'val2017'));
  const ann = JSON.parse(readFileSync(ANN, 'utf8')) as { images: { file_name: string; width: number; height: number }[] };
  for (const im of ann.images) {
    await sharp({ create: { width: im.width, height: im.height, channels: 3, background: { r: 90, g: 120, b: 30 } } })
      .jpeg()
      .toFile(join(dir, 'val2017', im.file_name));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CocoInstances on coco_dummy', () => {
  it('maps the 80 category ids to contiguous labels in id order and back', () => {
    const ds = new CocoInstances({ annFile: ANN, imgPrefix: join(dir, 'val2017'), testMode: true });
    expect(ds.catIds.length).toBe(80);
    expect(ds.catIdToLabel(1)).toBe(0);
    expect(ds.catIdToLabel(13)).toBe(11); // id 12 does not exist
    expect(ds.catIdToLabel(90)).toBe(79);
    expect(ds.labelToCatId(72)).toBe(82);
    expect(ds.classNames[2]).toBe('car');
    expect(ds.length).toBe(2);
    expect(ds.imageInfo(0).id).toBe(255917);
  });

  it('parses boxes as x1y1x2y2, labels, crowd as ignore, and masks with pycocotools areas', async () => {
    const ds = new CocoInstances({ annFile: ANN, imgPrefix: join(dir, 'val2017'), testMode: true });
    for (let i = 0; i < ds.length; i++) {
      const s = await ds.get(i);
      const exp = EXPECTED[s.meta.imageId]!;
      expect(Array.from(s.gtLabels)).toEqual(exp.labels);
      exp.firstBoxes.forEach((b, j) => expect(Array.from(s.gtBoxes.subarray(j * 4, j * 4 + 4))).toEqual(b));
      expect(s.gtBoxes.length).toBe(exp.labels.length * 4);
      expect(Array.from(s.gtBoxesIgnore)).toEqual(exp.ignore.flat());
      const m = s.gtMasks!;
      expect([m.count, m.height, m.width]).toEqual([exp.labels.length, s.img.height, s.img.width]);
      const plane = m.height * m.width;
      const areas = Array.from({ length: m.count }, (_, k) => m.data.subarray(k * plane, (k + 1) * plane).reduce((a, v) => a + v, 0));
      expect(areas).toEqual(exp.maskAreas);
      expect(s.meta.oriShape).toEqual([s.img.height, s.img.width]);
      expect(s.img.channels).toBe(3);
    }
  });

  it('training mode filters images without annotations of a served class', () => {
    const ds = new CocoInstances({ annFile: ANN, imgPrefix: join(dir, 'val2017'), classes: ['person', 'tv'] });
    expect(ds.catIds).toEqual([1, 72]);
    expect(ds.length).toBe(2); // both images have a person
    const only = new CocoInstances({ annFile: ANN, imgPrefix: join(dir, 'val2017'), classes: ['tv'] });
    expect(only.length).toBe(1);
    expect(only.imageInfo(0).id).toBe(139);
    expect(Array.from(only.annInfo(0).labels)).toEqual([0, 0]);
  });

  it('reports an annotation that points to an unknown image, naming the file', () => {
    const ann = JSON.parse(readFileSync(ANN, 'utf8'));
    ann.annotations[3].image_id = 424242;
    const bad = join(dir, 'orphan.json');
    writeFileSync(bad, JSON.stringify(ann));
    expect(() => new CocoInstances({ annFile: bad, imgPrefix: dir })).toThrow(`${bad}: annotation 1355973 refers to image id 424242, which is not in "images"`);
    const skipped = new CocoInstances({ annFile: bad, imgPrefix: dir, onBadSample: 'skip', testMode: true });
    expect(skipped.skippedAnnotations).toBe(1);
    expect(skipped.annInfo(0).labels.length).toBe(15);
  });
});
