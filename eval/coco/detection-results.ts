import type { DetectionResult } from '../../core/types/detection-result.js';
import { encodeRowMajor, rleToJson } from '../../core/mask/index.js';
import type { CocoResult } from './types.js';

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
