/**
 * pycocotools' `frPyObjects`: turn whatever a COCO `segmentation` (or a box) holds into RLEs, with
 * the same dispatch order as mask.py.
 */
import { frBbox, frPoly } from './polygon.js';
import { merge, type Rle } from './rle.js';
import { rleFromJson, type RleJson } from './rle-string.js';

/** An uncompressed JSON RLE (`counts` as a list of runs) as an Rle; compressed strings are accepted too. */
export function frUncompressedRLE(obj: RleJson): Rle {
  return rleFromJson(obj);
}

function isRleJson(x: unknown): x is RleJson {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'counts' in x && 'size' in x;
}

/** A list of polygons (flat xy lists), a list of [x, y, w, h] boxes, or a list of JSON RLEs: one Rle each. */
export function frPyObjects(obj: readonly (readonly number[])[] | readonly RleJson[], h: number, w: number): Rle[];
/** One polygon (more than 4 numbers), one [x, y, w, h] box (exactly 4), or one JSON RLE. */
export function frPyObjects(obj: readonly number[] | RleJson, h: number, w: number): Rle;
export function frPyObjects(obj: unknown, h: number, w: number): Rle | Rle[] {
  if (Array.isArray(obj)) {
    if (obj.length === 0) return [];
    const first: unknown = obj[0];
    if (Array.isArray(first)) {
      // As mask.py: the first element's length decides; 4 numbers means boxes, more means polygons.
      if (first.length === 4) {
        return obj.map((b: unknown, i) => {
          if (!Array.isArray(b) || b.length !== 4) throw new Error(`frPyObjects: element ${i} is not an [x, y, w, h] box like the first`);
          return frBbox(b as number[], h, w);
        });
      }
      if (first.length > 4) return obj.map((p: unknown) => frPoly(p as number[], h, w));
      throw new Error(`frPyObjects: a polygon needs at least 3 points (got ${first.length} numbers)`);
    }
    if (isRleJson(first)) return obj.map((r: unknown) => frUncompressedRLE(r as RleJson));
    if (typeof first === 'number') {
      if (obj.length === 4) return frBbox(obj as number[], h, w);
      if (obj.length > 4) return frPoly(obj as number[], h, w);
    }
  } else if (isRleJson(obj)) {
    return frUncompressedRLE(obj);
  }
  throw new Error('frPyObjects: input type is not supported (expected polygons, boxes or an RLE object)');
}

/**
 * The RLE of a COCO `segmentation` in an h x w image, as COCO.annToRLE: polygons are rasterised
 * and merged (union) into one mask; RLE objects are decoded (uncompressed or compressed).
 */
export function segmentationToRle(segm: readonly (readonly number[])[] | RleJson | Rle, h: number, w: number): Rle {
  if (Array.isArray(segm)) {
    if (segm.length === 0) return { h, w, counts: Uint32Array.of(h * w) };
    return merge(frPyObjects(segm as readonly (readonly number[])[], h, w));
  }
  if (isRleJson(segm)) return rleFromJson(segm);
  const r = segm as unknown as Rle;
  if (typeof r === 'object' && r !== null && r.counts instanceof Uint32Array) return r; // already an Rle
  throw new Error('segmentation must be a list of polygons or an RLE object {size, counts}');
}
