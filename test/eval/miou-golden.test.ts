import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIoUAccumulator, formatSummaryTable, formatClassTable, readLabelPng } from '../../eval/index.js';
import { GOLDEN_MIOU } from './golden-paths.js';

interface Expected {
  num_classes: number;
  ignore_index: number;
  reduce_zero_label: boolean;
  files: string[];
  image_sizes_hw: [number, number][];
  aAcc: number;
  mIoU: number;
  mAcc: number;
  IoU: (number | null)[];
  Acc: (number | null)[];
  mmseg_log_percent: { aAcc: number; mIoU: number; mAcc: number };
  total_area_intersect: number[];
  total_area_union: number[];
  total_area_pred_label: number[];
  total_area_label: number[];
  classes_nan_iou: number[];
}

const cases = readdirSync(GOLDEN_MIOU, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const close = (got: number, want: number | null, what: string) => {
  if (want === null) expect(Number.isNaN(got), `${what} should be NaN`).toBe(true);
  else expect(Math.abs(got - want), what).toBeLessThanOrEqual(1e-12);
};

describe('mIoU against mmsegmentation golden cases', () => {
  it('finds both cases', () => expect(cases).toEqual(['ade_like_small', 'plain_ignore']));

  it.each(cases)('%s', (name) => {
    const dir = path.join(GOLDEN_MIOU, name);
    const e = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const acc = new MIoUAccumulator({ numClasses: e.num_classes, ignoreIndex: e.ignore_index, reduceZeroLabel: e.reduce_zero_label });
    e.files.forEach((f, i) => {
      const gt = readLabelPng(path.join(dir, 'gt', f));
      const pred = readLabelPng(path.join(dir, 'pred', f));
      expect([gt.height, gt.width]).toEqual(e.image_sizes_hw[i]);
      acc.add(pred.data, gt.data);
    });
    const r = acc.result();
    expect(r.totalAreaIntersect).toEqual(e.total_area_intersect);
    expect(r.totalAreaUnion).toEqual(e.total_area_union);
    expect(r.totalAreaPredLabel).toEqual(e.total_area_pred_label);
    expect(r.totalAreaLabel).toEqual(e.total_area_label);
    close(r.aAcc, e.aAcc, 'aAcc');
    close(r.mIoU, e.mIoU, 'mIoU');
    close(r.mAcc, e.mAcc, 'mAcc');
    expect(r.IoU.length).toBe(e.num_classes);
    r.IoU.forEach((v, c) => close(v, e.IoU[c]!, `IoU[${c}]`));
    r.Acc.forEach((v, c) => close(v, e.Acc[c]!, `Acc[${c}]`));
    expect(r.IoU.flatMap((v, c) => (Number.isNaN(v) ? [c] : []))).toEqual(e.classes_nan_iou);
    // The summary row mmseg logs (np.round(100 * x, 2)).
    const summary = formatSummaryTable(r).split('\n')[3]!;
    expect(summary.split('|').slice(1, 4).map((s) => Number(s.trim()))).toEqual([e.mmseg_log_percent.aAcc, e.mmseg_log_percent.mIoU, e.mmseg_log_percent.mAcc]);
  });

  it('plain number arrays (the generic path) give the same totals as typed label maps', () => {
    const dir = path.join(GOLDEN_MIOU, 'ade_like_small');
    const e = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const acc = new MIoUAccumulator({ numClasses: 150, reduceZeroLabel: true });
    for (const f of e.files) acc.add(Array.from(readLabelPng(path.join(dir, 'pred', f)).data), Array.from(readLabelPng(path.join(dir, 'gt', f)).data));
    const r = acc.result();
    expect(r.totalAreaIntersect).toEqual(e.total_area_intersect);
    expect(r.totalAreaPredLabel).toEqual(e.total_area_pred_label);
    expect(r.totalAreaLabel).toEqual(e.total_area_label);
  });

  it('gives the same totals when images arrive in another order (streaming sums)', () => {
    const dir = path.join(GOLDEN_MIOU, 'plain_ignore');
    const e = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
    const acc = new MIoUAccumulator({ numClasses: 5 });
    for (const f of [...e.files].reverse()) acc.add(readLabelPng(path.join(dir, 'pred', f)).data, readLabelPng(path.join(dir, 'gt', f)).data);
    expect(acc.result().totalAreaIntersect).toEqual(e.total_area_intersect);
    expect(acc.numImages).toBe(e.files.length);
  });
});

describe('mIoU semantics by hand', () => {
  it('reduce_zero_label, ignore, out-of-range values and NaN classes', () => {
    // label (raw ADE-like): 0 -> ignored, 255 -> ignored, v -> v-1; 3 classes.
    const label = Uint8Array.from([0, 1, 1, 2, 3, 255, 3, 2]);
    const pred = Uint8Array.from([2, 0, 1, 1, 2, 0, 7, 1]);
    // Kept pixels (label after reduce): [0,0,1,2,2,1] vs pred [0,1,1,2,7,1].
    const acc = new MIoUAccumulator({ numClasses: 3, reduceZeroLabel: true });
    acc.add(pred, label);
    const r = acc.result();
    expect(r.totalAreaIntersect).toEqual([1, 2, 1]);
    expect(r.totalAreaPredLabel).toEqual([1, 3, 1]); // pred 7 is outside torch.histc's range
    expect(r.totalAreaLabel).toEqual([2, 2, 2]);
    expect(r.totalAreaUnion).toEqual([2, 3, 2]);
    expect(r.IoU).toEqual([0.5, 2 / 3, 0.5]);
    expect(r.aAcc).toBe(4 / 6);
    const empty = new MIoUAccumulator({ numClasses: 2 });
    empty.add(Uint8Array.from([0, 0]), Uint8Array.from([0, 255]));
    const e = empty.result();
    expect(e.IoU[0]).toBe(1);
    expect(Number.isNaN(e.IoU[1]!)).toBe(true);
    expect(e.mIoU).toBe(1); // nan-mean
  });

  it('label map applies in insertion order on the running label (mmseg loop, no copy)', () => {
    const acc = new MIoUAccumulator({ numClasses: 4, labelMap: new Map([[1, 2], [2, 3]]) });
    acc.add(Uint8Array.from([3, 3, 0]), Uint8Array.from([1, 2, 0]));
    // 1 -> 2 -> 3 and 2 -> 3: both pixels become class 3.
    expect(acc.result().totalAreaLabel).toEqual([1, 0, 0, 2]);
  });

  it('prints an mmseg-like class table with names', () => {
    const acc = new MIoUAccumulator({ numClasses: 2 });
    acc.add(Uint8Array.from([0, 1, 1, 1]), Uint8Array.from([0, 0, 1, 1]));
    const table = formatClassTable(acc.result(), ['wall', 'building']);
    // PrettyTable's centring: odd leftover space goes left for even-length text ("50.0").
    expect(table).toBe(
      [
        '+----------+-------+-------+',
        '|  Class   |  IoU  |  Acc  |',
        '+----------+-------+-------+',
        '|   wall   |  50.0 |  50.0 |',
        '| building | 66.67 | 100.0 |',
        '+----------+-------+-------+',
      ].join('\n'),
    );
  });
});
