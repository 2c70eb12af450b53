import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  area,
  decode,
  decodeRowMajor,
  encode,
  encodeRowMajor,
  frBbox,
  frPyObjects,
  frUncompressedRLE,
  iou,
  merge,
  rleFromJson,
  rleFromString,
  rleToJson,
  rleToString,
  toBbox,
  type RleJson,
} from '../../core/mask/index.js';
import { GOLDEN_COCO } from './golden-paths.js';

interface GoldenRecord {
  name: string;
  op: string;
  input: Record<string, any>;
  expected: Record<string, any>;
}

const golden = JSON.parse(readFileSync(path.join(GOLDEN_COCO, 'mask_api.json'), 'utf8')) as { records: GoldenRecord[] };
const byOp = (op: string): [string, GoldenRecord][] => golden.records.filter((r) => r.op === op).map((r) => [r.name, r]);

const str = (r: RleJson) => rleFromJson(r);

describe('mask_api.json golden records (pycocotools.mask)', () => {
  it('covers every record of the file', () => {
    const ops = new Set(['frPoly', 'frBbox', 'frUncompressedRLE', 'encode', 'decode', 'merge', 'area_toBbox', 'iou_rle', 'iou_bbox']);
    expect(golden.records.length).toBe(52);
    for (const r of golden.records) expect(ops.has(r.op), r.name).toBe(true);
  });

  it.each(byOp('frPoly'))('frPoly %s', (_name, r) => {
    const { h, w, polygons } = r.input;
    const e = r.expected;
    const rles = frPyObjects(polygons as number[][], h, w);
    expect(rles.map((x) => rleToJson(x))).toEqual(e.rles);
    expect(rles.map(area)).toEqual(e.area);
    expect(rles.map(toBbox)).toEqual(e.toBbox);
    if (e.decoded_fortran) expect(rles.map((x) => Array.from(decode(x)))).toEqual(e.decoded_fortran);
    const union = merge(rles, false);
    expect(rleToJson(union)).toEqual(e.merged_union);
    expect(area(union)).toBe(e.merged_union_area);
    expect(toBbox(union)).toEqual(e.merged_union_toBbox);
    if (e.merged_union_decoded_fortran) expect(Array.from(decode(union))).toEqual(e.merged_union_decoded_fortran);
    const inter = merge(rles, true);
    expect(rleToJson(inter)).toEqual(e.merged_intersect);
    expect(area(inter)).toBe(e.merged_intersect_area);
  });

  it.each(byOp('frBbox'))('frBbox %s', (_name, r) => {
    const { h, w, boxes } = r.input;
    const rles = (boxes as number[][]).map((b) => frBbox(b, h, w));
    expect(rles.map((x) => rleToJson(x))).toEqual(r.expected.rles);
    expect(rles.map(area)).toEqual(r.expected.area);
    expect(rles.map(toBbox)).toEqual(r.expected.toBbox);
    // frPyObjects dispatches a list whose first element has 4 numbers to frBbox.
    expect(frPyObjects(boxes as number[][], h, w).map((x) => rleToString(x))).toEqual(r.expected.rles.map((x: RleJson) => x.counts));
  });

  it.each(byOp('frUncompressedRLE'))('frUncompressedRLE %s', (_name, r) => {
    const rle = frUncompressedRLE(r.input.rle);
    expect(rleToJson(rle)).toEqual(r.expected.rle);
    expect(area(rle)).toBe(r.expected.area);
    expect(toBbox(rle)).toEqual(r.expected.toBbox);
    // The compressed string decodes back to the same runs.
    expect(Array.from(rleFromString(r.expected.rle.counts, rle.h, rle.w).counts)).toEqual(r.input.rle.counts);
  });

  it.each(byOp('encode'))('encode %s', (_name, r) => {
    const { h, w, mask_fortran, mask_rows } = r.input;
    const rle = encode(Uint8Array.from(mask_fortran), h, w);
    expect(rleToJson(rle)).toEqual(r.expected.rle);
    expect(Array.from(rle.counts)).toEqual(r.expected.uncompressed_counts);
    expect(area(rle)).toBe(r.expected.area);
    expect(toBbox(rle)).toEqual(r.expected.toBbox);
    const rowMajor = Uint8Array.from((mask_rows as number[][]).flat());
    expect(rleToJson(encodeRowMajor(rowMajor, h, w))).toEqual(r.expected.rle);
    expect(Array.from(decode(rle))).toEqual(mask_fortran);
  });

  it.each(byOp('decode'))('decode %s', (_name, r) => {
    const rle = str(r.input.rle);
    expect([rle.h, rle.w]).toEqual([r.expected.h, r.expected.w]);
    expect(Array.from(decode(rle))).toEqual(r.expected.mask_fortran);
    expect(Array.from(decodeRowMajor(rle))).toEqual((r.expected.mask_rows as number[][]).flat());
    expect(area(rle)).toBe(r.expected.area);
  });

  it.each(byOp('merge'))('merge %s', (_name, r) => {
    const m = merge((r.input.rles as RleJson[]).map(str), r.input.intersect === 1);
    expect(rleToJson(m)).toEqual(r.expected.rle);
    expect(area(m)).toBe(r.expected.area);
    expect(toBbox(m)).toEqual(r.expected.toBbox);
  });

  it.each(byOp('area_toBbox'))('area/toBbox %s', (_name, r) => {
    const rles = (r.input.rles as RleJson[]).map(str);
    expect(rles.map(area)).toEqual(r.expected.area);
    expect(rles.map(toBbox)).toEqual(r.expected.toBbox);
  });

  it.each([...byOp('iou_rle'), ...byOp('iou_bbox')])('iou %s', (_name, r) => {
    const isRle = r.op === 'iou_rle';
    const dt = isRle ? (r.input.dt as RleJson[]).map(str) : (r.input.dt as number[][]);
    const gt = isRle ? (r.input.gt as RleJson[]).map(str) : (r.input.gt as number[][]);
    const got = iou(dt as any, gt as any, r.input.iscrowd);
    const want = r.expected.iou as number[][];
    expect(got.length).toBe(want.length);
    got.forEach((row, d) => {
      expect(row.length).toBe(want[d]!.length);
      row.forEach((v, g) => expect(Math.abs(v - want[d]![g]!), `iou[${d}][${g}]`).toBeLessThanOrEqual(1e-15));
    });
  });
});

describe('compressed RLE strings', () => {
  it('round-trip counts with large values and negative differences', () => {
    const counts = Uint32Array.from([0, 4294967295, 1, 3000000000, 7, 0, 123456789, 5]);
    const s = rleToString({ h: 1, w: 1, counts });
    expect(Array.from(rleFromString(s, 1, 1).counts)).toEqual(Array.from(counts));
  });
});
