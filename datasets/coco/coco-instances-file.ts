import { readFileSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
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

    const bad = (what: string): never => {
      throw new UserError(`${path}: ${what}`);
    };
    try {
      scanJsonObjectArrays(buf, {
        images: (v) => {
          const im = v as { id?: unknown; file_name?: unknown; width?: unknown; height?: unknown };
          if (typeof im.id !== 'number' || typeof im.file_name !== 'string' || typeof im.width !== 'number' || typeof im.height !== 'number') {
            bad(`image entry ${JSON.stringify(v).slice(0, 80)} lacks id/file_name/width/height`);
          }
          images.push({ id: im.id as number, fileName: im.file_name as string, width: im.width as number, height: im.height as number });
        },
        categories: (v) => {
          const c = v as { id?: unknown; name?: unknown; supercategory?: unknown };
          if (typeof c.id !== 'number' || typeof c.name !== 'string') bad(`category entry ${JSON.stringify(v).slice(0, 80)} lacks id/name`);
          categories.push({ id: c.id as number, name: c.name as string, ...(typeof c.supercategory === 'string' ? { supercategory: c.supercategory } : {}) });
        },
        annotations: (v) => {
          const a = v as { id?: unknown; image_id?: unknown; category_id?: unknown; bbox?: unknown; area?: unknown; iscrowd?: unknown; ignore?: unknown; segmentation?: unknown };
          if (typeof a.image_id !== 'number' || typeof a.category_id !== 'number' || !Array.isArray(a.bbox) || a.bbox.length !== 4) {
            bad(`annotation ${JSON.stringify(a.id)} lacks image_id/category_id/bbox [x, y, w, h]`);
          }
          id.push(typeof a.id === 'number' ? a.id : -1);
          imageId.push(a.image_id as number);
          cat.push(a.category_id as number);
          bbox.pushAll(a.bbox as number[]);
          area.push(typeof a.area === 'number' ? a.area : 0);
          flags.push((a.iscrowd ? 1 : 0) | (a.ignore ? 2 : 0));
          const s = a.segmentation;
          if (Array.isArray(s) && s.length > 0 && Array.isArray(s[0])) {
            segKind.push(SEG_POLYGONS);
            segA.push(polyStart.length - 1);
            for (const poly of s as number[][]) {
              coords.pushAll(poly);
              polyStart.push(coords.length);
            }
            segB.push(polyStart.length - 1);
            segH.push(0);
            segW.push(0);
          } else if (s && typeof s === 'object' && !Array.isArray(s) && 'counts' in s && 'size' in s) {
            const r = s as { counts: unknown; size: [number, number] };
            segH.push(r.size[0]);
            segW.push(r.size[1]);
            if (typeof r.counts === 'string') {
              segKind.push(SEG_RLE_STRING);
              segA.push(rleStrings.length);
              segB.push(rleStrings.length + 1);
              rleStrings.push(r.counts);
            } else {
              segKind.push(SEG_RLE_COUNTS);
              segA.push(rlePool.length);
              rlePool.pushAll(r.counts as number[]);
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
