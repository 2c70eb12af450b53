import { describe, expect, it } from 'vitest';
import { COCO, COCOeval, evaluateCoco, frBbox, linspace, type CocoDataset, type CocoResult } from '../../eval/index.js';
import { pyFixed } from '../../eval/numeric/python-format.js';
import { COCO_DUMMY } from './golden-paths.js';

/** Two objects of different classes side by side; each detection has the other object's class. */
function swappedCase(): { gt: CocoDataset; dt: CocoResult[] } {
  const gt: CocoDataset = {
    images: [{ id: 7, width: 64, height: 48 }],
    categories: [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ],
    annotations: [
      { id: 1, image_id: 7, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
      { id: 2, image_id: 7, category_id: 2, bbox: [20, 0, 10, 10], area: 100, iscrowd: 0 },
    ],
  };
  const dt: CocoResult[] = [
    { image_id: 7, category_id: 2, bbox: [0, 0, 10, 10], score: 0.9 },
    { image_id: 7, category_id: 1, bbox: [20, 0, 10, 10], score: 0.8 },
  ];
  return { gt, dt };
}

describe('COCOeval by hand', () => {
  it('useCats: wrong classes are all false positives', () => {
    const { gt, dt } = swappedCase();
    const r = evaluateCoco(gt, dt, 'bbox');
    // No true positive: precision and recall 0 where there is ground truth (all, small), -1 elsewhere.
    expect(r.stats).toEqual([0, 0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1]);
  });

  it('useCats off: boxes match across classes, and maxDets cuts per image', () => {
    const { gt, dt } = swappedCase();
    const r = evaluateCoco(gt, dt, 'bbox', { useCats: false });
    // Both detections are exact: AP 1. With maxDets 1 only the 0.9 detection counts: recall 1/2.
    expect(r.stats).toEqual([1, 1, 1, 1, -1, -1, 0.5, 1, 1, 1, -1, -1]);
    expect(r.perCategoryAP).toEqual([{ catId: -1, ap: 1 }]);
  });

  it('does not modify the caller\'s result objects, and takes the branch from the first result', () => {
    const { gt, dt } = swappedCase();
    const coco = new COCO(gt);
    const before = JSON.stringify(dt);
    const res = coco.loadRes(dt);
    expect(JSON.stringify(dt)).toBe(before);
    expect(res.loadAnns([1, 2]).map((a) => [a.id, a.area, a.iscrowd])).toEqual([
      [1, 100, 0],
      [2, 100, 0],
    ]);
    // segm evaluation of box results rasterises the box polygon, as pycocotools' loadRes adds it.
    const E = new COCOeval(coco, res, 'segm', { log: () => {} });
    E.params.useCats = false;
    E.evaluate();
    E.accumulate();
    expect(E.summarize()[0]).toBe(1);
    // A mask-first results list: area from the RLE (a 2x3 block), bbox from toBbox.
    const segRes = coco.loadRes([{ image_id: 7, category_id: 1, score: 1, segmentation: { size: [48, 64], counts: [0, 2, 46, 2, 46, 2, 3000] } }]);
    expect(segRes.loadAnns(1)[0]!.area).toBe(6);
    expect(segRes.loadAnns(1)[0]!.bbox).toEqual([0, 0, 3, 2]);
  });
});

describe('results as a model hands them over', () => {
  it('Float32Array boxes and Rle masks evaluate like JSON arrays and strings', () => {
    const { gt, dt } = swappedCase();
    const typed = dt.map((d) => ({ ...d, bbox: Float32Array.from(d.bbox as number[]) }));
    expect(evaluateCoco(gt, typed, 'bbox', { useCats: false }).stats).toEqual(evaluateCoco(gt, dt, 'bbox', { useCats: false }).stats);
    const masks = dt.map(({ bbox, ...d }) => ({ ...d, segmentation: frBbox(bbox as number[], 48, 64) }));
    expect(evaluateCoco(gt, masks, 'segm', { useCats: false }).stats).toEqual([1, 1, 1, 1, -1, -1, 0.5, 1, 1, 1, -1, -1]);
  });
});

describe('COCO index queries on coco_dummy', () => {
  const coco = new COCO(COCO_DUMMY);
  const anns = coco.dataset.annotations!;

  it('getAnnIds filters as pycocotools', () => {
    const img = coco.dataset.images![0]!.id;
    expect(coco.getAnnIds({ imgIds: img })).toEqual(anns.filter((a) => a.image_id === img).map((a) => a.id));
    expect(coco.getAnnIds({ catIds: [1] })).toEqual(anns.filter((a) => a.category_id === 1).map((a) => a.id));
    // areaRng is exclusive at both ends in getAnnIds (unlike COCOeval's inclusive ranges).
    const a0 = anns[0]!.area!;
    expect(coco.getAnnIds({ areaRng: [a0, 1e10] })).not.toContain(anns[0]!.id);
    expect(coco.getAnnIds({ iscrowd: false }).length).toBe(anns.length - 1);
  });

  it('getCatIds / getImgIds / loadCats', () => {
    expect(coco.getCatIds({ catNms: ['person'] })).toEqual([1]);
    expect(coco.getCatIds({ supNms: ['vehicle'] }).length).toBe(8);
    const withPerson = new Set(anns.filter((a) => a.category_id === 1).map((a) => a.image_id));
    expect(new Set(coco.getImgIds({ catIds: [1] }))).toEqual(withPerson);
    expect(coco.getImgIds().length).toBe(2);
    expect(coco.loadCats(1)[0]!.name).toBe('person');
    expect(() => coco.loadImgs(12345)).toThrow(/no image with id 12345/);
  });
});

describe('numeric details', () => {
  it('np.linspace thresholds', () => {
    const t = linspace(0.5, 0.95, 10);
    expect(t[8]).toBe(0.8999999999999999);
    expect(t[5]).toBe(0.75);
    expect(linspace(0, 1, 101)[29]).toBe(29 * 0.01);
  });

  it("Python's {:0.3f}: exact ties round half to even", () => {
    expect(pyFixed(0.0625, 3)).toBe('0.062');
    expect(pyFixed(0.1875, 3)).toBe('0.188');
    expect(pyFixed(0.5625, 3)).toBe('0.562');
    expect(pyFixed(0.0005, 3)).toBe('0.001'); // 0.0005 is not exactly representable: above the tie
    expect(pyFixed(2.0625, 3)).toBe('2.062');
    expect(pyFixed(0.125, 2)).toBe('0.12');
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(-1, 3)).toBe('-1.000');
    expect(pyFixed(0.95, 2)).toBe('0.95');
  });
});
