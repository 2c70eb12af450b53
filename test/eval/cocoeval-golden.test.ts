import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COCO, COCOeval, type IouType } from '../../eval/index.js';
import { GOLDEN_COCO } from './golden-paths.js';

interface Expected {
  stats: number[];
  precision_sum: number;
  recall_sum: number;
  num_evalImgs_not_none: number;
  num_evalImgs_total: number;
  precision_shape: number[];
  recall_shape: number[];
  per_category_AP: Record<string, number>;
  summary_lines: string[];
}

/** Compensated (Neumaier) sum, so that our side of the 1e-9 comparison adds no rounding of its own. */
function accurateSum(values: Iterable<number>): number {
  let s = 0;
  let c = 0;
  for (const v of values) {
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}

const cases: [string, IouType][] = [
  ['real_dummy', 'bbox'],
  ['real_dummy', 'segm'],
  ['bbox_only_edge', 'bbox'],
  ['random_small', 'bbox'],
  ['random_small', 'segm'],
];

describe('COCOeval against pycocotools golden cases', () => {
  it('covers every iouType of every case', () => {
    for (const name of ['real_dummy', 'bbox_only_edge', 'random_small']) {
      const exp = JSON.parse(readFileSync(path.join(GOLDEN_COCO, name, 'expected.json'), 'utf8'));
      for (const t of ['bbox', 'segm'] as const) expect(cases.some(([n, it]) => n === name && it === t)).toBe(t in exp);
    }
  });

  it.each(cases)('%s %s', (name, iouType) => {
    const dir = path.join(GOLDEN_COCO, name);
    const expected = (JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>)[iouType]!;
    const gt = new COCO(path.join(dir, 'gt.json'));
    const dt = gt.loadRes(path.join(dir, 'dt.json'));
    const printed: string[] = [];
    const E = new COCOeval(gt, dt, iouType, { log: (l) => printed.push(l) });
    E.evaluate();
    E.accumulate();
    const stats = E.summarize();

    expect(stats.length).toBe(12);
    stats.forEach((s, i) => expect(Math.abs(s - expected.stats[i]!), `stats[${i}]`).toBeLessThanOrEqual(1e-6));
    expect(printed).toEqual(expected.summary_lines);

    const ev = E.eval!;
    expect(ev.counts).toEqual(expected.precision_shape);
    expect([ev.counts[0], ev.counts[2], ev.counts[3], ev.counts[4]]).toEqual(expected.recall_shape);
    const psum = accurateSum(Array.from(ev.precision).filter((v) => v > -1));
    const rsum = accurateSum(Array.from(ev.recall).filter((v) => v > -1));
    expect(Math.abs(psum - expected.precision_sum)).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(rsum - expected.recall_sum)).toBeLessThanOrEqual(1e-9);

    const counts = E.evalImgsCounts();
    expect(counts.total).toBe(expected.num_evalImgs_total);
    expect(counts.notNone).toBe(expected.num_evalImgs_not_none);

    for (const { catId, ap } of E.perCategoryAP()) {
      expect(Math.abs(ap - expected.per_category_AP[String(catId)]!), `category ${catId}`).toBeLessThanOrEqual(1e-9);
    }
  });
});
