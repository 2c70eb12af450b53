import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { loadDetRecipe, type DetRecipe } from '../loader/sample-recipe.js';
import type { BitmapMasks, DetSample } from '../../core/types/data.js';
import { CocoInstancesFile, type CocoCategory, type CocoImageRecord, type CompactSegmentation } from './coco-instances-file.js';
import { decodeSegmentationInto } from './segmentation-mask.js';

export interface CocoInstancesOptions {
  /** e.g. data/coco/annotations/instances_train2017.json (mmdet ann_file). */
  annFile: string;
  /** Folder of the images, e.g. data/coco/train2017/ (mmdet img_prefix). */
  imgPrefix: string;
  /** Test mode keeps every image in file order; training drops images without usable annotations and small ones. */
  testMode?: boolean;
  /** mmdet filter_empty_gt (training only; default true). */
  filterEmptyGt?: boolean;
  /** Training drops images whose shorter side is below this (mmdet _filter_imgs min_size=32). */
  minSize?: number;
  /** Decode instance masks (default true). */
  withMask?: boolean;
  /** Restrict to these class names (mmdet CLASSES); default: every category of the file. */
  classes?: string[];
  /**
   * What to do with a bad sample (missing or undecodable image, an annotation whose image_id is not
   * in the file): 'stop' throws a one-line error naming the file; 'skip' leaves it out and counts it.
   */
  onBadSample?: 'stop' | 'skip';
}

/** One image's parsed annotations (mmdet _parse_ann_info), boxes x1y1x2y2 in original pixels. */
export interface CocoAnnInfo {
  bboxes: Float32Array;
  labels: Int32Array;
  bboxesIgnore: Float32Array;
  /** Annotation indices (into the file's columns) of the kept, non-crowd boxes, for their masks. */
  maskAnns: number[];
}

/**
 * mmdet 2.x CocoDataset over a COCO instances file: labels 0..K-1 in sorted category-id order
 * (`catIds[label]` maps back), training filtering as `_filter_imgs`, annotations as `_parse_ann_info`
 * (crowd boxes become gtBoxesIgnore, boxes [x, y, x + w, y + h]), masks decoded per image on demand.
 */
export class CocoInstances {
  readonly file: CocoInstancesFile;
  readonly catIds: number[];
  readonly classNames: string[];
  /** Indices into file.images of the images this dataset serves, in file order. */
  readonly imageIndices: number[];
  private readonly cat2label: Map<number, number>;

  constructor(readonly opts: CocoInstancesOptions) {
    this.file = new CocoInstancesFile(opts.annFile, { onOrphan: opts.onBadSample === 'skip' ? 'skip' : 'stop' });
    let cats: CocoCategory[] = [...this.file.categories].sort((a, b) => a.id - b.id);
    if (opts.classes) {
      const wanted = new Set(opts.classes);
      cats = cats.filter((c) => wanted.has(c.name));
      const missing = opts.classes.filter((n) => !cats.some((c) => c.name === n));
      if (missing.length) throw new UserError(`${opts.annFile}: classes not among its categories: ${missing.join(', ')}`);
    }
    this.catIds = cats.map((c) => c.id);
    this.classNames = cats.map((c) => c.name);
    this.cat2label = new Map(this.catIds.map((id, i) => [id, i]));
    this.imageIndices = opts.testMode ? this.file.images.map((_, i) => i) : this.filterImages(opts.minSize ?? 32, opts.filterEmptyGt ?? true);
  }

  get length(): number {
    return this.imageIndices.length;
  }

  /** Annotations whose image_id matched no image, left out under onBadSample 'skip'. */
  get skippedAnnotations(): number {
    return this.file.orphanAnnotations;
  }

  imageInfo(i: number): CocoImageRecord {
    return this.file.images[this.imageIndices[i]!]!;
  }

  labelToCatId(label: number): number {
    const id = this.catIds[label];
    if (id === undefined) throw new Error(`label ${label} is outside 0..${this.catIds.length - 1}`);
    return id;
  }

  catIdToLabel(catId: number): number | undefined {
    return this.cat2label.get(catId);
  }

  /** mmdet _parse_ann_info for the i-th served image. */
  annInfo(i: number): CocoAnnInfo {
    const f = this.file;
    const img = this.imageInfo(i);
    const k = this.imageIndices[i]!;
    const boxes: number[] = [];
    const labels: number[] = [];
    const ignore: number[] = [];
    const maskAnns: number[] = [];
    for (let a = f.imageAnnStart[k]!; a < f.imageAnnStart[k + 1]!; a++) {
      const flags = f.annFlags[a]!;
      if (flags & 2) continue;
      const x1 = f.annBbox[a * 4]!;
      const y1 = f.annBbox[a * 4 + 1]!;
      const w = f.annBbox[a * 4 + 2]!;
      const h = f.annBbox[a * 4 + 3]!;
      const interW = Math.max(0, Math.min(x1 + w, img.width) - Math.max(x1, 0));
      const interH = Math.max(0, Math.min(y1 + h, img.height) - Math.max(y1, 0));
      if (interW * interH === 0) continue;
      if (f.annArea[a]! <= 0 || w < 1 || h < 1) continue;
      const label = this.cat2label.get(f.annCategory[a]!);
      if (label === undefined) continue;
      if (flags & 1) ignore.push(x1, y1, x1 + w, y1 + h);
      else {
        boxes.push(x1, y1, x1 + w, y1 + h);
        labels.push(label);
        maskAnns.push(a);
      }
    }
    return { bboxes: Float32Array.from(boxes), labels: Int32Array.from(labels), bboxesIgnore: Float32Array.from(ignore), maskAnns };
  }

  imagePath(i: number): string {
    return join(this.opts.imgPrefix, this.imageInfo(i).fileName);
  }

  /** What a loader worker needs to produce sample i (no decoding happens here). */
  recipe(i: number): DetRecipe {
    const info = this.imageInfo(i);
    const ann = this.annInfo(i);
    return {
      kind: 'det',
      imagePath: this.imagePath(i),
      imageId: info.id,
      height: info.height,
      width: info.width,
      annFile: this.opts.annFile,
      bboxes: ann.bboxes,
      labels: ann.labels,
      bboxesIgnore: ann.bboxesIgnore,
      // Copies, not views: a view would drag the whole coordinate pool along when posted to a worker.
      segmentations: this.opts.withMask === false ? null : ann.maskAnns.map((a) => copySegmentation(this.file.segmentation(a))),
      annIds: ann.maskAnns.map((a) => this.file.annId[a]!),
    };
  }

  /** Decode image i with its annotations (and masks) at the original size, before any transform. */
  async get(i: number): Promise<DetSample> {
    return loadDetRecipe(this.recipe(i));
  }

  /** Row-major instance bitmaps of the given annotations. */
  masks(annIndices: number[], h: number, w: number): BitmapMasks {
    const data = new Uint8Array(annIndices.length * h * w);
    annIndices.forEach((a, j) => {
      try {
        decodeSegmentationInto(this.file.segmentation(a), h, w, data, j * h * w, `annotation ${this.file.annId[a]}`);
      } catch (err) {
        throw new UserError(`${this.opts.annFile}: ${(err as Error).message}`);
      }
    });
    return { count: annIndices.length, height: h, width: w, data };
  }

  /** mmdet _filter_imgs: keep images with an annotation of a served class (if filterEmptyGt) and min side >= minSize. */
  private filterImages(minSize: number, filterEmptyGt: boolean): number[] {
    const f = this.file;
    const keep: number[] = [];
    f.images.forEach((im, k) => {
      if (filterEmptyGt) {
        let has = false;
        for (let a = f.imageAnnStart[k]!; a < f.imageAnnStart[k + 1]! && !has; a++) has = this.cat2label.has(f.annCategory[a]!);
        if (!has) return;
      }
      if (Math.min(im.width, im.height) >= minSize) keep.push(k);
    });
    return keep;
  }
}

function copySegmentation(s: CompactSegmentation): CompactSegmentation {
  if (s.kind === 'polygons') return { kind: 'polygons', polygons: s.polygons.map((p) => p.slice()) };
  if (s.kind === 'rle') return { ...s, counts: s.counts.slice() };
  return s;
}
