/**
 * The COCO mask API (pycocotools.mask) in TypeScript. Masks are RLEs over column-major pixels;
 * `encodeRowMajor`/`decodeRowMajor` convert from and to the row-major layout images use.
 */
export { type Rle, type Bbox, makeRle, encode, encodeRowMajor, decode, decodeRowMajor, area, toBbox, merge } from './rle.js';
export { type RleJson, rleToString, rleFromString, rleFromJson, rleToJson } from './rle-string.js';
export { frPoly, frBbox } from './polygon.js';
export { frPyObjects, frUncompressedRLE, segmentationToRle } from './py-objects.js';
export { iou, bboxIouInto, rleIouInto, boxesOf } from './iou.js';
