/** The body of COCO.loadRes: check detection results against the ground truth and derive their fields. */
import { area, rleFromJson, toBbox, type Rle } from '../../core/mask/index.js';
import type { COCO } from './coco.js';
import type { CocoAnnotation, CocoDataset } from './types.js';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const isBox = (bb: unknown): bb is ArrayLike<number> =>
  (Array.isArray(bb) || ArrayBuffer.isView(bb)) && (bb as ArrayLike<number>).length === 4 && Array.from(bb as ArrayLike<number>).every((v) => typeof v === 'number');

/** Our own Rle object ({h, w, counts: Uint32Array}), accepted besides the JSON form. */
export const isRle = (x: unknown): x is Rle => isObject(x) && x.counts instanceof Uint32Array && typeof x.h === 'number' && typeof x.w === 'number';

/**
 * A results dataset: the ground truth's images and categories, and one annotation per result with
 * `id` = index + 1 and `iscrowd` = 0. `remember` receives each mask result's parsed RLE so it is not
 * decoded twice. An empty list is accepted (pycocotools fails on it) and evaluates as no detections.
 * Results we parsed ourselves (`owned`) get their fields in place; a caller's objects are copied.
 */
export function prepareResults(gt: COCO, anns: unknown, source: string, owned: boolean, remember: (ann: CocoAnnotation, rle: Rle) => void): CocoDataset {
  if (!Array.isArray(anns)) throw new Error(`${source}: results must be a JSON array of detections (results in not an array of objects)`);
  const gtImgIds = new Set(gt.imgs.keys());
  for (let i = 0; i < anns.length; i++) {
    const a: unknown = anns[i];
    if (!isObject(a)) throw new Error(`${source}: detection ${i} is not an object`);
    if (!gtImgIds.has(a.image_id as number)) {
      throw new Error(`${source}: detection ${i} has image_id ${JSON.stringify(a.image_id)}, which is not in the ground truth (Results do not correspond to current coco set)`);
    }
    if (typeof a.score !== 'number') throw new Error(`${source}: detection ${i} has no numeric "score"`);
  }
  const out: CocoDataset = { images: [...(gt.dataset.images ?? [])] };
  if (anns.length === 0) {
    out.categories = (gt.dataset.categories ?? []).map((c) => ({ ...c }));
    out.annotations = [];
    return out;
  }
  const first = anns[0] as Record<string, unknown>;
  if ('caption' in first) throw new Error(`${source}: caption results are not supported`);
  const firstBox = first.bbox;
  const annotations: CocoAnnotation[] = new Array(anns.length);
  if (firstBox !== undefined && !(Array.isArray(firstBox) && firstBox.length === 0)) {
    // Box branch, for every result. A result without segmentation keeps none: COCO.annToRLE draws
    // the same box polygon that pycocotools adds here, only when a mask is asked for.
    for (let i = 0; i < anns.length; i++) {
      const a = anns[i] as Record<string, unknown>;
      const bb = a.bbox;
      // Any array-like of 4 numbers (a model may hand over a Float32Array).
      if (!isBox(bb)) {
        throw new Error(`${source}: detection ${i} has no "bbox" [x, y, w, h] (the first detection has one, so all must)`);
      }
      const ann = (owned ? a : { ...a }) as unknown as CocoAnnotation;
      ann.area = bb[2]! * bb[3]!;
      ann.id = i + 1;
      ann.iscrowd = 0;
      annotations[i] = ann;
    }
  } else if ('segmentation' in first) {
    for (let i = 0; i < anns.length; i++) {
      const a = anns[i] as Record<string, unknown>;
      const segm = a.segmentation;
      if (!isObject(segm) || !('counts' in segm) || (!('size' in segm) && !isRle(segm))) throw new Error(`${source}: detection ${i} has no RLE "segmentation" {size, counts} (mask results must be RLEs)`);
      let rle: Rle;
      try {
        rle = isRle(segm) ? segm : rleFromJson(segm as never);
      } catch (err) {
        throw new Error(`${source}: detection ${i}: ${(err as Error).message}`);
      }
      const ann = (owned ? a : { ...a }) as unknown as CocoAnnotation;
      ann.area = area(rle);
      ann.id = i + 1;
      ann.iscrowd = 0;
      if (!('bbox' in a)) ann.bbox = toBbox(rle);
      remember(ann, rle);
      annotations[i] = ann;
    }
  } else if ('keypoints' in first) {
    throw new Error(`${source}: keypoint results are not supported (bbox and segm only)`);
  } else {
    throw new Error(`${source}: the first detection has neither a non-empty "bbox" nor a "segmentation"`);
  }
  out.categories = (gt.dataset.categories ?? []).map((c) => ({ ...c }));
  out.annotations = annotations;
  return out;
}
