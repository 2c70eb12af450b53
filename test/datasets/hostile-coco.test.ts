/**
 * Hostile COCO instance files, generated here from one valid file by changing one field at a time. Malformed
 * records (what pycocotools or mmdet would crash on or silently misread: NaN, strings, odd polygons, RLE that
 * does not cover the image, duplicate ids) are one-line errors naming the file, the record and the field.
 * Well-formed boxes that mmdet's _parse_ann_info leaves out silently are left out here too, and counted.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectUserError } from '../expect-user-error.js';
import { CocoInstances, type AnnotationSkips } from '../../datasets/coco/coco-instances.js';

const tmp = mkdtempSync(join(tmpdir(), 'mila-hostile-coco-'));
let n = 0;

type Json = Record<string, unknown>;
const IMAGE = { id: 1, file_name: 'a.jpg', width: 64, height: 48 };
const ANN = { id: 1, image_id: 1, category_id: 1, bbox: [1, 2, 10, 10], area: 100, iscrowd: 0, segmentation: [[1, 2, 11, 2, 11, 12, 1, 12]] };
const CATEGORY = { id: 1, name: 'thing' };

function annFile(parts: { images?: unknown[]; annotations?: unknown[]; categories?: unknown[] }, raw?: (text: string) => string): string {
  const path = join(tmp, `instances_${n++}.json`);
  const text = JSON.stringify({ images: parts.images ?? [IMAGE], annotations: parts.annotations ?? [ANN], categories: parts.categories ?? [CATEGORY] });
  writeFileSync(path, raw ? raw(text) : text);
  return path;
}

function open(path: string, testMode = true): CocoInstances {
  return new CocoInstances({ annFile: path, imgPrefix: tmp, testMode });
}

function expectRefused(path: string, pattern: RegExp): void {
  expectUserError(() => open(path), pattern, `${path}: `);
}

const ann = (over: Json): Json => ({ ...ANN, ...over });
const without = (o: Json, key: string): Json => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

describe('hostile COCO annotations: malformed records are refused', () => {
  const cases: { what: string; file: () => string; error: RegExp }[] = [
    // bbox
    { what: 'bbox as a string', file: () => annFile({ annotations: [ann({ bbox: 'abc' })] }), error: /annotation 1: bbox "abc" is not \[x, y, w, h\] of finite numbers/ },
    { what: 'bbox of strings', file: () => annFile({ annotations: [ann({ bbox: ['1', '2', '3', '4'] })] }), error: /annotation 1: bbox \["1","2","3","4"\]/ },
    { what: 'bbox with a null', file: () => annFile({ annotations: [ann({ bbox: [1, null, 3, 4] })] }), error: /annotation 1: bbox \[1,null,3,4\]/ },
    { what: 'bbox with a boolean', file: () => annFile({ annotations: [ann({ bbox: [1, 2, true, 4] })] }), error: /annotation 1: bbox \[1,2,true,4\]/ },
    { what: 'bbox of 3 numbers', file: () => annFile({ annotations: [ann({ bbox: [1, 2, 3] })] }), error: /annotation 1: bbox \[1,2,3\]/ },
    { what: 'bbox of 5 numbers', file: () => annFile({ annotations: [ann({ bbox: [1, 2, 3, 4, 5] })] }), error: /annotation 1: bbox \[1,2,3,4,5\]/ },
    { what: 'bbox missing', file: () => annFile({ annotations: [without(ANN, 'bbox')] }), error: /annotation 1: bbox missing/ },
    { what: 'bbox beyond float32 (1e39)', file: () => annFile({ annotations: [ann({ bbox: [0, 0, 1e39, 10] })] }), error: /annotation 1: bbox \[0,0,1e\+39,10\]/ },
    { what: 'bbox overflowing a double (1e999)', file: () => annFile({}, (t) => t.replace('"bbox":[1,2,10,10]', '"bbox":[1,2,1e999,10]')), error: /annotation 1: bbox \[1,2,null,10\]|annotation 1: bbox/ },
    { what: 'bbox with NaN (as Python writes it)', file: () => annFile({}, (t) => t.replace('"bbox":[1,2,10,10]', '"bbox":[NaN,2,10,10]')), error: /annotations\[0\] \(id 1\) at byte \d+: invalid JSON: .*\(NaN and Infinity are not JSON numbers\)/ },
    { what: 'bbox with Infinity (as Python writes it)', file: () => annFile({}, (t) => t.replace('"bbox":[1,2,10,10]', '"bbox":[1,2,Infinity,10]')), error: /annotations\[0\] \(id 1\) .*NaN and Infinity are not JSON numbers/ },
    // ids and references
    { what: 'an annotation without id', file: () => annFile({ annotations: [without(ANN, 'id')] }), error: /annotation annotations\[0\]: id missing is not an integer/ },
    { what: 'a fractional annotation id', file: () => annFile({ annotations: [ann({ id: 1.5 })] }), error: /annotation annotations\[0\]: id 1\.5 is not an integer/ },
    { what: 'a string image_id', file: () => annFile({ annotations: [ann({ image_id: '1' })] }), error: /annotation 1: image_id "1" is not an integer/ },
    { what: 'a null category_id', file: () => annFile({ annotations: [ann({ category_id: null })] }), error: /annotation 1: category_id null is not an integer/ },
    { what: 'an annotation that is not an object', file: () => annFile({ annotations: [5] }), error: /annotations\[0\] is 5, not an object/ },
    { what: 'an annotation that is a list', file: () => annFile({ annotations: [[1, 2]] }), error: /annotations\[0\] is \[1,2\], not an object/ },
    { what: 'duplicate annotation ids', file: () => annFile({ annotations: [ANN, ann({ bbox: [5, 5, 10, 10] })] }), error: /duplicate annotation id 1$/ },
    // area and flags
    { what: 'area missing', file: () => annFile({ annotations: [without(ANN, 'area')] }), error: /annotation 1: area missing is not a finite number/ },
    { what: 'area as a string', file: () => annFile({ annotations: [ann({ area: '100' })] }), error: /annotation 1: area "100" is not a finite number/ },
    { what: 'iscrowd 2', file: () => annFile({ annotations: [ann({ iscrowd: 2 })] }), error: /annotation 1: iscrowd 2 is not 0 or 1/ },
    { what: 'iscrowd as a string', file: () => annFile({ annotations: [ann({ iscrowd: 'yes' })] }), error: /annotation 1: iscrowd "yes" is not 0 or 1/ },
    { what: 'ignore as a string', file: () => annFile({ annotations: [ann({ ignore: 'no' })] }), error: /annotation 1: ignore "no" is not a boolean/ },
    // segmentation
    { what: 'segmentation as a string', file: () => annFile({ annotations: [ann({ segmentation: 'abc' })] }), error: /annotation 1: segmentation "abc" is neither polygons nor an RLE \{size, counts\}/ },
    { what: 'segmentation as a number', file: () => annFile({ annotations: [ann({ segmentation: 5 })] }), error: /annotation 1: segmentation 5 is neither/ },
    { what: 'segmentation as an empty object', file: () => annFile({ annotations: [ann({ segmentation: {} })] }), error: /annotation 1: segmentation \{\} is neither/ },
    { what: 'a flat polygon (not a list of lists)', file: () => annFile({ annotations: [ann({ segmentation: [1, 2, 11, 2, 11, 12] })] }), error: /annotation 1: segmentation polygon 0 1 is not a list of finite numbers/ },
    { what: 'a polygon of 2 points', file: () => annFile({ annotations: [ann({ segmentation: [[1, 2, 11, 12]] })] }), error: /annotation 1: segmentation polygon 0 has 2 points \(at least 3 needed\)/ },
    { what: 'a polygon of 1 point', file: () => annFile({ annotations: [ann({ segmentation: [[1, 2]] })] }), error: /annotation 1: segmentation polygon 0 has 1 points/ },
    { what: 'an empty polygon', file: () => annFile({ annotations: [ann({ segmentation: [[]] })] }), error: /annotation 1: segmentation polygon 0 has 0 points/ },
    { what: 'a second polygon of 2 points', file: () => annFile({ annotations: [ann({ segmentation: [[1, 2, 11, 2, 11, 12], [1, 2, 3, 4]] })] }), error: /annotation 1: segmentation polygon 1 has 2 points/ },
    { what: 'a polygon of odd length', file: () => annFile({ annotations: [ann({ segmentation: [[1, 2, 11, 2, 11, 12, 1]] })] }), error: /annotation 1: segmentation polygon 0 has an odd number of coordinates \(7\)/ },
    { what: 'a polygon with a string', file: () => annFile({ annotations: [ann({ segmentation: [[1, 2, '11', 2, 11, 12]] })] }), error: /annotation 1: segmentation polygon 0 \[1,2,"11",2,11,12\] is not a list of finite numbers/ },
    { what: 'a polygon with a null', file: () => annFile({ annotations: [ann({ segmentation: [[1, 2, null, 2, 11, 12]] })] }), error: /annotation 1: segmentation polygon 0 .* is not a list of finite numbers/ },
    { what: 'RLE without a size', file: () => annFile({ annotations: [ann({ segmentation: { counts: [3072], size: null } })] }), error: /annotation 1: segmentation RLE size null is not \[height, width\]/ },
    { what: 'RLE with a string size', file: () => annFile({ annotations: [ann({ segmentation: { counts: [3072], size: ['48', '64'] } })] }), error: /annotation 1: segmentation RLE size \["48","64"\]/ },
    { what: 'RLE with negative counts', file: () => annFile({ annotations: [ann({ segmentation: { counts: [-1, 3073], size: [48, 64] } })] }), error: /annotation 1: segmentation RLE counts \[-1,3073\] are neither a string nor non-negative integers/ },
    { what: 'RLE counts not covering the image', file: () => annFile({ annotations: [ann({ segmentation: { counts: [100, 5], size: [48, 64] } })] }), error: /annotation 1: segmentation RLE counts cover 105 pixels, its size 48x64 has 3072/ },
    { what: 'RLE counts as an object', file: () => annFile({ annotations: [ann({ segmentation: { counts: { a: 1 }, size: [48, 64] } })] }), error: /annotation 1: segmentation RLE counts \{"a":1\}/ },
    { what: 'RLE of another size than its image', file: () => annFile({ annotations: [ann({ segmentation: { counts: [100], size: [10, 10] } })] }), error: /annotation 1: segmentation RLE size 10x10 differs from its image 1 \(48x64\)/ },
    // images and categories
    { what: 'duplicate image ids', file: () => annFile({ images: [IMAGE, { ...IMAGE, file_name: 'b.jpg' }] }), error: /duplicate image id 1$/ },
    { what: 'an image of width 0', file: () => annFile({ images: [{ ...IMAGE, width: 0 }] }), error: /image 1: width 0 is not a positive integer/ },
    { what: 'an image of negative height', file: () => annFile({ images: [{ ...IMAGE, height: -5 }] }), error: /image 1: height -5 is not a positive integer/ },
    { what: 'an image of fractional width', file: () => annFile({ images: [{ ...IMAGE, width: 1.5 }] }), error: /image 1: width 1\.5 is not a positive integer/ },
    { what: 'an image width as a string', file: () => annFile({ images: [{ ...IMAGE, width: '64' }] }), error: /image 1: width "64" is not a positive integer/ },
    { what: 'an image without file_name', file: () => annFile({ images: [without(IMAGE, 'file_name')] }), error: /image 1: file_name missing is not a file name/ },
    { what: 'an image id as a string', file: () => annFile({ images: [{ ...IMAGE, id: '1' }] }), error: /image images\[0\]: id "1" is not an integer/ },
    { what: 'duplicate category ids', file: () => annFile({ categories: [CATEGORY, { id: 1, name: 'other' }] }), error: /duplicate category id 1$/ },
    { what: 'a category without a name', file: () => annFile({ categories: [{ id: 1 }] }), error: /category 1: name missing is not a string/ },
    { what: 'an annotation of an image the file does not list', file: () => annFile({ annotations: [ann({ image_id: 9 })] }), error: /annotation 1 refers to image id 9, which is not in "images"/ },
  ];
  for (const c of cases) it(`refuses ${c.what}`, () => expectRefused(c.file(), c.error));

  it('refuses a compressed RLE string that does not cover the image, or ends inside a count, when its mask is decoded', async () => {
    const short = open(annFile({ annotations: [ann({ segmentation: { counts: '12', size: [48, 64] } })] }));
    expect(() => short.masks([0], 48, 64)).toThrow(/: annotation 1: segmentation RLE counts cover 3 pixels, its size 48x64 has 3072$/);
    const cut = open(annFile({ annotations: [ann({ segmentation: { counts: '0a', size: [48, 64] } })] }));
    expect(() => cut.masks([0], 48, 64)).toThrow(/: annotation 1: RLE string ends inside a count: "0a"$/);
  });
});

describe('hostile COCO annotations: what mmdet leaves out is left out and counted', () => {
  const cases: { what: string; over: Json; reason: keyof AnnotationSkips }[] = [
    { what: 'negative width and height', over: { bbox: [10, 10, -5, -5] }, reason: 'outsideImage' },
    { what: 'a box left of the image', over: { bbox: [-20, 5, 10, 10] }, reason: 'outsideImage' },
    { what: 'a box below the image', over: { bbox: [5, 48, 10, 10] }, reason: 'outsideImage' },
    { what: 'a box far outside', over: { bbox: [1e6, 1e6, 10, 10] }, reason: 'outsideImage' },
    { what: 'width under 1 pixel', over: { bbox: [1, 2, 0.5, 10] }, reason: 'underOnePixel' },
    { what: 'height under 1 pixel', over: { bbox: [1, 2, 10, 0.9] }, reason: 'underOnePixel' },
    { what: 'area 0', over: { area: 0 }, reason: 'underOnePixel' },
    { what: 'negative area', over: { area: -3 }, reason: 'underOnePixel' },
    { what: 'a category the file does not list', over: { category_id: 99 }, reason: 'unknownCategory' },
    { what: 'a huge box over the image', over: { bbox: [0, 0, 1e30, 1e30] }, reason: 'farBeyondImage' },
    { what: 'a box reaching far left', over: { bbox: [-100, 5, 110, 10] }, reason: 'farBeyondImage' },
    { what: 'a box reaching far down', over: { bbox: [5, 5, 10, 200] }, reason: 'farBeyondImage' },
  ];
  for (const c of cases) {
    it(`${c.what}: left out of the boxes, counted, and named in the skip line`, () => {
      const good = ann({ id: 2, bbox: [20, 20, 8, 8], area: 64 });
      const ds = open(annFile({ annotations: [ann(c.over), good] }));
      expect(Array.from(ds.annInfo(0).bboxes)).toEqual([20, 20, 28, 28]);
      expect(ds.skips).toEqual({ outsideImage: 0, underOnePixel: 0, farBeyondImage: 0, unknownCategory: 0, [c.reason]: 1 });
      expect(ds.describeSkips()).toMatch(/: 1 annotation skipped as mmdet does: /);
    });
  }

  it('a box partly outside the image is kept as mmdet keeps it (Resize clips it later)', () => {
    const ds = open(annFile({ annotations: [ann({ bbox: [-5, -5, 20, 60] })] }));
    expect(Array.from(ds.annInfo(0).bboxes)).toEqual([-5, -5, 15, 55]);
    expect(ds.describeSkips()).toBeNull();
  });

  it('a box-only annotation (no segmentation, null or []) is accepted with an empty mask', () => {
    const ds = open(annFile({ annotations: [without(ANN, 'segmentation'), ann({ id: 2, segmentation: null }), ann({ id: 3, segmentation: [] })] }));
    expect(ds.annInfo(0).labels.length).toBe(3);
    expect(ds.masks([0, 1, 2], 48, 64).data.every((v) => v === 0)).toBe(true);
  });
});
