import { readFileSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import { checkAnnotation, checkCategory, checkImage } from './coco-record-checks.js';
import { GrowableArray } from './growable-array.js';
import { scanJsonObjectArrays } from './json-array-scanner.js';

export interface CocoImageRecord {
  id: number;
  fileName: string;
  width: number;
  height: number;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

export const SEG_NONE = 0;
export const SEG_POLYGONS = 1;
export const SEG_RLE_COUNTS = 2;
export const SEG_RLE_STRING = 3;

/** An annotation's segmentation, still compact: polygons as flat xy views, RLE as runs or the COCO string. */
export type CompactSegmentation =
  | { kind: 'none' }
  | { kind: 'polygons'; polygons: Float64Array[] }
  | { kind: 'rle'; h: number; w: number; counts: Uint32Array }
  | { kind: 'rle-string'; h: number; w: number; counts: string };

/**
 * An instances_*.json held as columns of typed arrays (one entry per annotation, grouped by image),
 * with polygon coordinates in one float64 pool (exact, as pycocotools reads them) and RLE runs in one
 * uint32 pool. See DESIGN-NOTES for the memory measurement on a 450 MB file.
 */
export class CocoInstancesFile {
  readonly images: CocoImageRecord[];
  readonly categories: CocoCategory[];
  /** Annotation columns, ordered by image then file order. */
  readonly annId: Float64Array;
  readonly annImage: Int32Array;
  readonly annCategory: Int32Array;
  readonly annBbox: Float64Array;
  readonly annArea: Float64Array;
  /** bit 0: iscrowd, bit 1: ignore. */
  readonly annFlags: Uint8Array;
  /** CSR over images: annotations of image i are [imageAnnStart[i], imageAnnStart[i+1]). */
  readonly imageAnnStart: Int32Array;
  /** Annotations whose image_id matched no image (dropped; counted when onBadSample is 'skip'). */
  readonly orphanAnnotations: number;

  private readonly segKind: Uint8Array;
  /** For polygons: index range into polyStart; for RLE runs: range into rlePool; for strings: index into rleStrings. */
  private readonly segA: Int32Array;
  private readonly segB: Int32Array;
  private readonly segH: Int32Array;
  private readonly segW: Int32Array;
  private readonly polyStart: Int32Array;
  private readonly coords: Float64Array;
  private readonly rlePool: Uint32Array;
  private readonly rleStrings: string[];

  constructor(readonly path: string, opts: { onOrphan?: 'stop' | 'skip' } = {}) {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UserError(code === 'ENOENT' ? `annotation file not found: ${path}` : `cannot read annotation file ${path}: ${(err as Error).message}`);
    }
    const images: CocoImageRecord[] = [];
    const categories: CocoCategory[] = [];
    const id = new GrowableArray(Float64Array);
    const imageId = new GrowableArray(Float64Array);
    const cat = new GrowableArray(Int32Array);
    const bbox = new GrowableArray(Float64Array);
    const area = new GrowableArray(Float64Array);
    const flags = new GrowableArray(Uint8Array);
    const segKind = new GrowableArray(Uint8Array);
    const segA = new GrowableArray(Int32Array);
    const segB = new GrowableArray(Int32Array);
    const segH = new GrowableArray(Int32Array);
    const segW = new GrowableArray(Int32Array);
    const polyStart = new GrowableArray(Int32Array);
    const coords = new GrowableArray(Float64Array, 1 << 16);
    const rlePool = new GrowableArray(Uint32Array);
    const rleStrings: string[] = [];
    polyStart.push(0);

    // Ids must be unique: pycocotools' index keeps the last record of an id and mmdet asserts unique annotation
    // ids; a duplicate would silently drop or merge records.
    const seenImages = new Set<number>();
    const seenCategories = new Set<number>();
    const seenAnns = new Set<number>();
    const counter = { images: 0, categories: 0, annotations: 0 };
    const duplicate = (what: string, idValue: number): never => {
      throw new UserError(`${path}: duplicate ${what} id ${idValue}`);
    };
    try {
      scanJsonObjectArrays(buf, {
        images: (v) => {
          const im = checkImage(v, counter.images++, path);
          if (seenImages.has(im.id)) duplicate('image', im.id);
          seenImages.add(im.id);
          images.push(im);
        },
        categories: (v) => {
          const c = checkCategory(v, counter.categories++, path);
          if (seenCategories.has(c.id)) duplicate('category', c.id);
          seenCategories.add(c.id);
          categories.push(c);
        },
        annotations: (v) => {
          const a = checkAnnotation(v, counter.annotations++, path);
          if (seenAnns.has(a.id)) duplicate('annotation', a.id);
          seenAnns.add(a.id);
          id.push(a.id);
          imageId.push(a.imageId);
          cat.push(a.categoryId);
          bbox.pushAll(a.bbox);
          area.push(a.area);
          flags.push((a.iscrowd ? 1 : 0) | (a.ignore ? 2 : 0));
          const seg = a.segmentation;
          if (seg.kind === 'polygons') {
            segKind.push(SEG_POLYGONS);
            segA.push(polyStart.length - 1);
            for (const poly of seg.polygons) {
              coords.pushAll(poly);
              polyStart.push(coords.length);
            }
            segB.push(polyStart.length - 1);
            segH.push(0);
            segW.push(0);
          } else if (seg.kind === 'rle' || seg.kind === 'rle-string') {
            segH.push(seg.h);
            segW.push(seg.w);
            if (seg.kind === 'rle-string') {
              segKind.push(SEG_RLE_STRING);
              segA.push(rleStrings.length);
              segB.push(rleStrings.length + 1);
              rleStrings.push(seg.counts);
            } else {
              segKind.push(SEG_RLE_COUNTS);
              segA.push(rlePool.length);
              rlePool.pushAll(seg.counts);
              segB.push(rlePool.length);
            }
          } else {
            segKind.push(SEG_NONE);
            segA.push(0);
            segB.push(0);
            segH.push(0);
            segW.push(0);
          }
        },
      });
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`${path}: ${(err as Error).message}`);
    }

    this.images = images;
    this.categories = categories;
    const imageIndex = new Map<number, number>();
    images.forEach((im, i) => imageIndex.set(im.id, i));

    // Group annotations by image (counting sort keeps file order within an image, as COCO's imgToAnns).
    const rawImage = imageId.finish();
    const n = rawImage.length;
    const imgOf = new Int32Array(n);
    const counts = new Int32Array(images.length + 1);
    let orphans = 0;
    for (let i = 0; i < n; i++) {
      const k = imageIndex.get(rawImage[i]!);
      if (k === undefined) {
        if (opts.onOrphan !== 'skip') throw new UserError(`${path}: annotation ${id.finish()[i]} refers to image id ${rawImage[i]}, which is not in "images"`);
        imgOf[i] = -1;
        orphans++;
        continue;
      }
      imgOf[i] = k;
      counts[k + 1]!++;
    }
    for (let i = 0; i < images.length; i++) counts[i + 1]! += counts[i]!;
    const order = new Int32Array(n - orphans);
    const fill = counts.slice(0, images.length);
    for (let i = 0; i < n; i++) if (imgOf[i]! >= 0) order[fill[imgOf[i]!]!++] = i;

    const gather = <T extends Float64Array | Int32Array | Uint8Array>(src: T, stride = 1): T => {
      const out = new (src.constructor as new (k: number) => T)(order.length * stride);
      for (let j = 0; j < order.length; j++) for (let s = 0; s < stride; s++) out[j * stride + s] = src[order[j]! * stride + s]!;
      return out;
    };
    this.annId = gather(id.finish());
    this.annImage = gather(imgOf);
    this.annCategory = gather(cat.finish());
    this.annBbox = gather(bbox.finish(), 4);
    this.annArea = gather(area.finish());
    this.annFlags = gather(flags.finish());
    this.segKind = gather(segKind.finish());
    this.segA = gather(segA.finish());
    this.segB = gather(segB.finish());
    this.segH = gather(segH.finish());
    this.segW = gather(segW.finish());
    this.imageAnnStart = counts;
    this.polyStart = polyStart.finish();
    this.coords = coords.finish();
    this.rlePool = rlePool.finish();
    this.rleStrings = rleStrings;
    this.orphanAnnotations = orphans;
    for (let j = 0; j < order.length; j++) {
      const kind = this.segKind[j]!;
      if (kind !== SEG_RLE_COUNTS && kind !== SEG_RLE_STRING) continue;
      const im = images[this.annImage[j]!]!;
      if (this.segH[j] !== im.height || this.segW[j] !== im.width) {
        throw new UserError(`${path}: annotation ${this.annId[j]}: segmentation RLE size ${this.segH[j]}x${this.segW[j]} differs from its image ${im.id} (${im.height}x${im.width})`);
      }
    }
  }

  get annotationCount(): number {
    return this.annId.length;
  }

  segmentation(ann: number): CompactSegmentation {
    const a = this.segA[ann]!;
    const b = this.segB[ann]!;
    switch (this.segKind[ann]) {
      case SEG_POLYGONS: {
        const polygons: Float64Array[] = [];
        for (let p = a; p < b; p++) polygons.push(this.coords.subarray(this.polyStart[p]!, this.polyStart[p + 1]!));
        return { kind: 'polygons', polygons };
      }
      case SEG_RLE_COUNTS:
        return { kind: 'rle', h: this.segH[ann]!, w: this.segW[ann]!, counts: this.rlePool.subarray(a, b) };
      case SEG_RLE_STRING:
        return { kind: 'rle-string', h: this.segH[ann]!, w: this.segW[ann]!, counts: this.rleStrings[a]! };
      default:
        return { kind: 'none' };
    }
  }

  /** Bytes held by the typed-array columns and pools (strings and small objects not counted). */
  get compactBytes(): number {
    const arrays = [this.annId, this.annImage, this.annCategory, this.annBbox, this.annArea, this.annFlags, this.segKind, this.segA, this.segB, this.segH, this.segW, this.polyStart, this.coords, this.rlePool];
    return arrays.reduce((s, a) => s + a.byteLength, 0);
  }
}
