import type { BitmapMasks } from '../datasets/types.js';
import { encodeRowMajor, rleToJson } from '../eval/mask/index.js';
import type { CocoResult } from '../eval/coco/types.js';

/**
 * One image's detections in original-image coordinates, after the test-time postprocess
 * (score threshold, class-wise NMS, max per image, masks pasted at threshold 0.5).
 */
export interface DetectionResult {
  /** n * 4, x1y1x2y2 in pixels of the original image. */
  boxes: Float32Array;
  scores: Float32Array;
  /** Contiguous labels 0..K-1. */
  labels: Int32Array;
  /** n binary masks of the original image's size, or null for a box-only model. */
  masks: BitmapMasks | null;
}

/**
 * mmdet's CocoDataset results2json for one image: bbox as [x, y, w, h] (w = x2 - x1) and segm as a compressed
 * RLE whose score is the box's; `catIds[label]` maps contiguous labels back to COCO category ids.
 */
export function toCocoResults(r: DetectionResult, imageId: number, catIds: readonly number[]): { bbox: CocoResult[]; segm: CocoResult[] } {
  const bbox: CocoResult[] = [];
  const segm: CocoResult[] = [];
  for (let i = 0; i < r.scores.length; i++) {
    const [x1, y1, x2, y2] = [r.boxes[4 * i]!, r.boxes[4 * i + 1]!, r.boxes[4 * i + 2]!, r.boxes[4 * i + 3]!];
    const categoryId = catIds[r.labels[i]!];
    if (categoryId === undefined) throw new Error(`detection label ${r.labels[i]} has no category (${catIds.length} classes)`);
    const score = r.scores[i]!;
    bbox.push({ image_id: imageId, category_id: categoryId, bbox: [x1, y1, x2 - x1, y2 - y1], score });
    if (r.masks) {
      const { height: h, width: w } = r.masks;
      const rle = encodeRowMajor(r.masks.data.subarray(i * h * w, (i + 1) * h * w), h, w);
      segm.push({ image_id: imageId, category_id: categoryId, segmentation: rleToJson(rle), score });
    }
  }
  return { bbox, segm };
}
