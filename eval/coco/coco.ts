/**
 * pycocotools' `COCO` class: an instances dataset with its indexes, the id queries, `loadRes` for
 * detection results and the annotation-to-mask conversions.
 */
import { decodeRowMajor, frPoly, segmentationToRle, type Rle } from '../../core/mask/index.js';
import { readJsonFile } from './json-file.js';
import { prepareResults } from './load-results.js';
import type { CocoAnnotation, CocoCategory, CocoDataset, CocoImage, CocoResult } from './types.js';

const asList = <T>(x: T | readonly T[] | undefined): readonly T[] => (x === undefined ? [] : Array.isArray(x) ? (x as readonly T[]) : [x as T]);

export interface AnnIdFilter {
  imgIds?: number | readonly number[];
  catIds?: number | readonly number[];
  /** [min, max], exclusive at both ends as pycocotools' getAnnIds. */
  areaRng?: readonly number[];
  iscrowd?: boolean | number | null;
}

export class COCO {
  dataset: CocoDataset = {};
  anns = new Map<number, CocoAnnotation>();
  imgs = new Map<number, CocoImage>();
  cats = new Map<number, CocoCategory>();
  imgToAnns = new Map<number, CocoAnnotation[]>();
  catToImgs = new Map<number, number[]>();
  /** The file the dataset came from, or "<object>": error messages name it. */
  source: string;
  /** RLEs already computed by annToRLE (rasterising a polygon is the expensive part). */
  private readonly rleCache = new WeakMap<object, Rle>();

  /** Load an instances JSON file (path) or take an already parsed dataset object. */
  constructor(annotation?: CocoDataset | string) {
    this.source = typeof annotation === 'string' ? annotation : '<object>';
    if (annotation === undefined) return;
    const dataset = typeof annotation === 'string' ? readJsonFile(annotation) : annotation;
    if (typeof dataset !== 'object' || dataset === null || Array.isArray(dataset)) {
      throw new Error(`${this.source}: annotation file format not supported (expected a JSON object with images, annotations, categories)`);
    }
    this.dataset = dataset as CocoDataset;
    this.createIndex();
  }

  createIndex(): void {
    const d = this.dataset;
    this.anns = new Map();
    this.imgs = new Map();
    this.cats = new Map();
    this.imgToAnns = new Map();
    this.catToImgs = new Map();
    for (const key of ['images', 'annotations', 'categories'] as const) {
      if (d[key] !== undefined && !Array.isArray(d[key])) throw new Error(`${this.source}: "${key}" must be a list`);
    }
    if (d.annotations) {
      d.annotations.forEach((ann, i) => {
        if (typeof ann !== 'object' || ann === null) throw new Error(`${this.source}: annotation ${i} is not an object`);
        let list = this.imgToAnns.get(ann.image_id);
        if (!list) this.imgToAnns.set(ann.image_id, (list = []));
        list.push(ann);
        this.anns.set(ann.id, ann);
      });
    }
    if (d.images) for (const img of d.images) this.imgs.set(img.id, img);
    if (d.categories) for (const cat of d.categories) this.cats.set(cat.id, cat);
    if (d.annotations && d.categories) {
      for (const ann of d.annotations) {
        let list = this.catToImgs.get(ann.category_id);
        if (!list) this.catToImgs.set(ann.category_id, (list = []));
        list.push(ann.image_id);
      }
    }
  }

  /** Ids of the annotations that pass every given filter, in pycocotools' order. */
  getAnnIds(filter: AnnIdFilter = {}): number[] {
    const imgIds = asList(filter.imgIds);
    const catIds = asList(filter.catIds);
    const areaRng = filter.areaRng ?? [];
    let anns: readonly CocoAnnotation[];
    if (imgIds.length === 0 && catIds.length === 0 && areaRng.length === 0) {
      anns = this.dataset.annotations ?? [];
    } else {
      if (imgIds.length !== 0) {
        const out: CocoAnnotation[] = [];
        for (const id of imgIds) {
          const list = this.imgToAnns.get(id);
          if (list) for (const a of list) out.push(a);
        }
        anns = out;
      } else anns = this.dataset.annotations ?? [];
      if (catIds.length !== 0) {
        const set = new Set(catIds);
        anns = anns.filter((a) => set.has(a.category_id));
      }
      if (areaRng.length !== 0) anns = anns.filter((a) => (a.area as number) > areaRng[0]! && (a.area as number) < areaRng[1]!);
    }
    const crowd = filter.iscrowd;
    if (crowd !== undefined && crowd !== null) return anns.filter((a) => Number(a.iscrowd) === Number(crowd)).map((a) => a.id);
    return anns.map((a) => a.id);
  }

  /** Ids of the categories with any of the given names, supercategories and ids (each filter optional). */
  getCatIds(filter: { catNms?: string | readonly string[]; supNms?: string | readonly string[]; catIds?: number | readonly number[] } = {}): number[] {
    const catNms = asList(filter.catNms);
    const supNms = asList(filter.supNms);
    const catIds = asList(filter.catIds);
    let cats = this.dataset.categories ?? [];
    if (catNms.length) cats = cats.filter((c) => catNms.includes(c.name));
    if (supNms.length) cats = cats.filter((c) => supNms.includes(c.supercategory as string));
    if (catIds.length) cats = cats.filter((c) => catIds.includes(c.id));
    return cats.map((c) => c.id);
  }

  /** Ids of the images among `imgIds` (all if empty) that contain every category of `catIds`. */
  getImgIds(filter: { imgIds?: number | readonly number[]; catIds?: number | readonly number[] } = {}): number[] {
    const imgIds = asList(filter.imgIds);
    const catIds = asList(filter.catIds);
    if (imgIds.length === 0 && catIds.length === 0) return [...this.imgs.keys()];
    let ids = new Set(imgIds);
    catIds.forEach((catId, i) => {
      const withCat = new Set(this.catToImgs.get(catId) ?? []);
      if (i === 0 && ids.size === 0) ids = withCat;
      else ids = new Set([...ids].filter((id) => withCat.has(id)));
    });
    return [...ids];
  }

  loadAnns(ids: number | readonly number[]): CocoAnnotation[] {
    return asList(ids).map((id) => this.lookup(this.anns, id, 'annotation'));
  }

  loadCats(ids: number | readonly number[]): CocoCategory[] {
    return asList(ids).map((id) => this.lookup(this.cats, id, 'category'));
  }

  loadImgs(ids: number | readonly number[]): CocoImage[] {
    return asList(ids).map((id) => this.lookup(this.imgs, id, 'image'));
  }

  private lookup<T>(map: Map<number, T>, id: number, what: string): T {
    const v = map.get(id);
    if (v === undefined) throw new Error(`${this.source}: no ${what} with id ${id}`);
    return v;
  }

  /**
   * A results COCO object for detections (a list, or a JSON file of one), with pycocotools' checks and
   * derived fields. The branch is chosen by the FIRST result: if it has a non-empty `bbox`, every result
   * is a box result (area = w*h); otherwise every result is a mask result (area and, if absent, bbox
   * from its RLE). Results get ids 1..n in file order and iscrowd 0. A caller's result objects are not modified.
   */
  loadRes(results: readonly CocoResult[] | string): COCO {
    const source = typeof results === 'string' ? results : '<results>';
    const anns = typeof results === 'string' ? readJsonFile(results) : results;
    const res = new COCO();
    res.source = source;
    res.dataset = prepareResults(this, anns, source, typeof results === 'string', (ann, rle) => res.rleCache.set(ann, rle));
    res.createIndex();
    return res;
  }

  /**
   * The RLE of an annotation's mask (COCO.annToRLE): polygons are rasterised as rleFrPoly and
   * merged, RLEs decoded. A box result without `segmentation` gets the box polygon pycocotools'
   * loadRes would have added.
   */
  annToRLE(ann: CocoAnnotation): Rle {
    const cached = this.rleCache.get(ann);
    if (cached) return cached;
    const img = this.imgs.get(ann.image_id);
    if (!img) throw new Error(`${this.source}: annotation ${ann.id} refers to image_id ${ann.image_id}, which is not in "images"`);
    const { height: h, width: w } = img;
    if (!Number.isInteger(h) || !Number.isInteger(w)) throw new Error(`${this.source}: image ${img.id} needs integer "height" and "width" for masks`);
    let rle: Rle;
    if (ann.segmentation === undefined) {
      const bb = ann.bbox;
      if (!bb) throw new Error(`${this.source}: annotation ${ann.id} has neither segmentation nor bbox`);
      const x1 = bb[0]!;
      const x2 = bb[0]! + bb[2]!;
      const y1 = bb[1]!;
      const y2 = bb[1]! + bb[3]!;
      rle = frPoly([x1, y1, x1, y2, x2, y2, x2, y1], h, w);
    } else {
      try {
        rle = segmentationToRle(ann.segmentation, h, w);
      } catch (err) {
        throw new Error(`${this.source}: annotation ${ann.id}: ${(err as Error).message}`);
      }
    }
    this.rleCache.set(ann, rle);
    return rle;
  }

  /** The annotation's mask as a row-major h x w array of 0/1 (COCO.annToMask, transposed to image layout). */
  annToMask(ann: CocoAnnotation): Uint8Array {
    return decodeRowMajor(this.annToRLE(ann));
  }
}
