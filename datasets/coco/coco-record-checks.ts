import { UserError } from '../../core/errors.js';

/**
 * Field checks for the records of a COCO instances file. What pycocotools or mmdet would fail on, or would
 * turn into a wrong box or mask without a word (NaN or string coordinates, odd-length polygons, RLE counts
 * that do not cover the image), is a one-line error naming the file, the record and the field. What mmdet
 * leaves out silently but is well-formed (boxes under 1 pixel, outside the image) is counted by CocoInstances.
 */

/** The largest float32: box coordinates beyond it would become Infinity in the float32 box arrays. */
const FLOAT32_MAX = 3.4028234663852886e38;

export type Segmentation =
  | { kind: 'none' }
  | { kind: 'polygons'; polygons: number[][] }
  | { kind: 'rle'; h: number; w: number; counts: number[] }
  | { kind: 'rle-string'; h: number; w: number; counts: string };

export interface CheckedAnnotation {
  id: number;
  imageId: number;
  categoryId: number;
  bbox: [number, number, number, number];
  area: number;
  iscrowd: boolean;
  ignore: boolean;
  segmentation: Segmentation;
}

export interface CheckedImage {
  id: number;
  fileName: string;
  width: number;
  height: number;
}

function show(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function isFlag(v: unknown): boolean {
  return v === undefined || v === null || v === 0 || v === 1 || v === true || v === false;
}

/** `images[i]`: integer id, a file name, positive integer width and height. */
export function checkImage(v: unknown, index: number, path: string): CheckedImage {
  const im = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const where = `${path}: image ${isInt(im.id) ? im.id : `images[${index}]`}`;
  if (!isInt(im.id)) throw new UserError(`${where}: id ${show(im.id)} is not an integer`);
  if (typeof im.file_name !== 'string' || im.file_name === '') throw new UserError(`${where}: file_name ${show(im.file_name)} is not a file name`);
  for (const k of ['width', 'height'] as const) {
    if (!isInt(im[k]) || (im[k] as number) < 1) throw new UserError(`${where}: ${k} ${show(im[k])} is not a positive integer`);
  }
  return { id: im.id as number, fileName: im.file_name as string, width: im.width as number, height: im.height as number };
}

/** `categories[i]`: integer id and a name. */
export function checkCategory(v: unknown, index: number, path: string): { id: number; name: string; supercategory?: string } {
  const c = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const where = `${path}: category ${isInt(c.id) ? c.id : `categories[${index}]`}`;
  if (!isInt(c.id)) throw new UserError(`${where}: id ${show(c.id)} is not an integer`);
  if (typeof c.name !== 'string') throw new UserError(`${where}: name ${show(c.name)} is not a string`);
  return { id: c.id as number, name: c.name as string, ...(typeof c.supercategory === 'string' ? { supercategory: c.supercategory } : {}) };
}

/** `annotations[i]` as mmdet's CocoDataset and pycocotools read it, every field checked. */
export function checkAnnotation(v: unknown, index: number, path: string): CheckedAnnotation {
  const a = (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null) as Record<string, unknown> | null;
  if (!a) throw new UserError(`${path}: annotations[${index}] is ${show(v)}, not an object`);
  const where = `${path}: annotation ${isInt(a.id) ? a.id : `annotations[${index}]`}`;
  // pycocotools indexes annotations by id and mmdet asserts they are unique: an id is required.
  if (!isInt(a.id)) throw new UserError(`${where}: id ${show(a.id)} is not an integer`);
  for (const k of ['image_id', 'category_id'] as const) if (!isInt(a[k])) throw new UserError(`${where}: ${k} ${show(a[k])} is not an integer`);
  const bbox = a.bbox;
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((x) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= FLOAT32_MAX)) {
    throw new UserError(`${where}: bbox ${show(bbox)} is not [x, y, w, h] of finite numbers`);
  }
  // mmdet reads ann['area'] unconditionally (a KeyError without it); COCOeval's area ranges need it too.
  if (typeof a.area !== 'number' || !Number.isFinite(a.area)) throw new UserError(`${where}: area ${show(a.area)} is not a finite number`);
  if (!isFlag(a.iscrowd)) throw new UserError(`${where}: iscrowd ${show(a.iscrowd)} is not 0 or 1`);
  if (!isFlag(a.ignore)) throw new UserError(`${where}: ignore ${show(a.ignore)} is not a boolean`);
  return {
    id: a.id as number,
    imageId: a.image_id as number,
    categoryId: a.category_id as number,
    bbox: bbox as [number, number, number, number],
    area: a.area,
    iscrowd: Boolean(a.iscrowd),
    ignore: Boolean(a.ignore),
    segmentation: checkSegmentation(a.segmentation, where),
  };
}

/**
 * A segmentation as pycocotools' frPyObjects takes it: a list of polygons (each x, y pairs, at least 3
 * points), or an RLE {size: [h, w], counts} with counts a string or run lengths covering h * w pixels.
 * Absent (or null, or an empty list) means no mask: the box-only annotations of some datasets.
 */
function checkSegmentation(s: unknown, where: string): Segmentation {
  if (s === undefined || s === null || (Array.isArray(s) && s.length === 0)) return { kind: 'none' };
  if (Array.isArray(s)) {
    s.forEach((poly, p) => {
      if (!Array.isArray(poly) || !poly.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new UserError(`${where}: segmentation polygon ${p} ${show(poly)} is not a list of finite numbers`);
      }
      if (poly.length % 2 !== 0) throw new UserError(`${where}: segmentation polygon ${p} has an odd number of coordinates (${poly.length})`);
      // pycocotools reads a first list of 4 numbers as a box and then fails on it; 2 points are no polygon.
      if (poly.length < 6) throw new UserError(`${where}: segmentation polygon ${p} has ${poly.length / 2} points (at least 3 needed)`);
    });
    return { kind: 'polygons', polygons: s as number[][] };
  }
  if (typeof s === 'object' && 'counts' in s && 'size' in s) {
    const { size, counts } = s as { size: unknown; counts: unknown };
    if (!Array.isArray(size) || size.length !== 2 || !size.every((x) => isInt(x) && x >= 0)) {
      throw new UserError(`${where}: segmentation RLE size ${show(size)} is not [height, width]`);
    }
    const [h, w] = size as [number, number];
    if (typeof counts === 'string') return { kind: 'rle-string', h, w, counts };
    if (!Array.isArray(counts) || !counts.every((x) => isInt(x) && x >= 0)) {
      throw new UserError(`${where}: segmentation RLE counts ${show(counts)} are neither a string nor non-negative integers`);
    }
    const total = (counts as number[]).reduce((t, x) => t + x, 0);
    if (total !== h * w) throw new UserError(`${where}: segmentation RLE counts cover ${total} pixels, its size ${h}x${w} has ${h * w}`);
    return { kind: 'rle', h, w, counts: counts as number[] };
  }
  throw new UserError(`${where}: segmentation ${show(s)} is neither polygons nor an RLE {size, counts}`);
}
