/**
 * Mapping boxes between the original image and the network input, as mmdet's bbox_flip /
 * bbox_mapping_back: test-time results are predicted in imgShape coordinates and reported in the
 * original image's.
 */
import type { ImageMeta } from '../types/data.js';
import { boxCount } from './box-overlaps.js';

/** Mirror boxes inside an image of [height, width] (mmdet bbox_flip: x1' = W - x2, x2' = W - x1). */
export function flipBoxes(boxes: ArrayLike<number>, imgShape: readonly [number, number], direction: 'horizontal' | 'vertical'): Float32Array {
  const n = boxCount(boxes);
  const out = Float32Array.from(boxes);
  const [h, w] = imgShape;
  for (let i = 0; i < n; i++) {
    const o = 4 * i;
    if (direction === 'horizontal') {
      out[o] = w - boxes[o + 2]!;
      out[o + 2] = w - boxes[o]!;
    } else {
      out[o + 1] = h - boxes[o + 3]!;
      out[o + 3] = h - boxes[o + 1]!;
    }
  }
  return out;
}

/** Boxes in imgShape coordinates back to the original image: undo the flip, then divide by scaleFactor. */
export function mapBoxesBack(boxes: ArrayLike<number>, meta: ImageMeta): Float32Array {
  const n = boxCount(boxes);
  const out = meta.flip && meta.flipDirection ? flipBoxes(boxes, meta.imgShape, meta.flipDirection) : Float32Array.from(boxes);
  const sf = meta.scaleFactor;
  for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) out[4 * i + c] = out[4 * i + c]! / sf[c]!;
  return out;
}

/** Boxes in original-image coordinates to imgShape coordinates: multiply by scaleFactor, then flip. */
export function mapBoxesForward(boxes: ArrayLike<number>, meta: ImageMeta): Float32Array {
  const n = boxCount(boxes);
  const out = Float32Array.from(boxes);
  const sf = meta.scaleFactor;
  for (let i = 0; i < n; i++) for (let c = 0; c < 4; c++) out[4 * i + c] = out[4 * i + c]! * sf[c]!;
  return meta.flip && meta.flipDirection ? flipBoxes(out, meta.imgShape, meta.flipDirection) : out;
}
