import { decodeRowMajor, frBbox, frPoly, makeRle, merge, rleFromString, type Rle } from '../../core/mask/index.js';
import type { CompactSegmentation } from './coco-instances-file.js';

/**
 * mmdet's LoadAnnotations._poly2mask through the COCO mask API: polygons are rasterised and merged
 * (union), RLE runs / strings taken as they are; the result is a row-major 0/1 bitmap of h x w.
 */
export function segmentationToRle(seg: CompactSegmentation, h: number, w: number): Rle {
  switch (seg.kind) {
    case 'polygons': {
      if (seg.polygons.length === 0) return makeRle(h, w, [h * w]);
      // pycocotools' frPyObjects looks at the first list only: 4 numbers mean [x, y, w, h] boxes (its Cython
      // signature then rejects Python lists; we take the evident meaning instead of failing).
      const first = seg.polygons[0]!.length;
      if (first === 4) return merge(seg.polygons.map((b) => frBbox(b, h, w)));
      if (first < 4) throw new Error(`polygon with ${first} numbers (pycocotools needs at least 3 points)`);
      return merge(seg.polygons.map((p) => frPoly(p, h, w)));
    }
    case 'rle':
      return makeRle(seg.h, seg.w, seg.counts);
    case 'rle-string':
      return rleFromString(seg.counts, seg.h, seg.w);
    case 'none':
      return makeRle(h, w, [h * w]);
  }
}

/** Decode into `out` (row-major h*w) at `offset`; an RLE of another size is an error naming the annotation. */
export function decodeSegmentationInto(seg: CompactSegmentation, h: number, w: number, out: Uint8Array, offset: number, what: string): void {
  const rle = segmentationToRle(seg, h, w);
  if (rle.h !== h || rle.w !== w) throw new Error(`${what}: RLE size ${rle.h}x${rle.w} differs from the image size ${h}x${w}`);
  out.set(decodeRowMajor(rle), offset);
}
