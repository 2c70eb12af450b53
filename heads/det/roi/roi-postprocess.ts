import { batchedNms, flipBoxes, type DeltaXYWHBBoxCoder } from '../../../core/boxes/index.js';
import type { BitmapMasks, ImageMeta } from '../../../core/types/data.js';
import type { RcnnTestConfig } from '../config.js';
import { pasteMask } from './paste-mask.js';

export interface ImageDetections {
  /** Kept boxes in the network input's coordinates (what the mask branch pools from), n * 4. */
  imgBoxes: Float32Array;
  /** The same boxes in original-image coordinates (resize and flip undone), n * 4. */
  oriBoxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}

/**
 * mmdet 2.x BBoxHead.get_bboxes (rescale=True) + multiclass_nms for every image of a batch: softmax over
 * the K + 1 logits, class-specific deltas decoded on the proposals and clipped to imgShape, boxes divided by
 * the scale factor, every (box, class) pair with score > score_thr kept as a candidate (background excluded),
 * class-wise batched NMS, the best max_per_img. `cls` is R x (K + 1) and `deltas` R x 4K over the
 * concatenated proposals. The mask RoIs are the kept boxes times the scale factor, as mmdet's simple_test_mask.
 */
export function bboxPostprocess(
  proposals: readonly Float32Array[],
  cls: Float32Array,
  deltas: Float32Array,
  metas: readonly ImageMeta[],
  coder: DeltaXYWHBBoxCoder,
  numClasses: number,
  cfg: RcnnTestConfig,
): ImageDetections[] {
  const k1 = numClasses + 1;
  // torch compares the float32 scores with the threshold in float32.
  const scoreThr = Math.fround(cfg.scoreThr);
  let row = 0;
  return proposals.map((props, img) => {
    const meta = metas[img]!;
    const n = props.length / 4;
    const decoded = coder.decode(props, deltas.subarray(row * 4 * numClasses, (row + n) * 4 * numClasses), meta.imgShape);
    const sf = meta.scaleFactor;
    const candBoxes: number[] = [];
    const candScores: number[] = [];
    const candLabels: number[] = [];
    const probs = new Float64Array(k1);
    for (let i = 0; i < n; i++) {
      const logits = cls.subarray((row + i) * k1, (row + i + 1) * k1);
      let mx = -Infinity;
      for (let j = 0; j < k1; j++) mx = Math.max(mx, logits[j]!);
      let sum = 0;
      for (let j = 0; j < k1; j++) sum += probs[j] = Math.exp(logits[j]! - mx);
      for (let j = 0; j < numClasses; j++) {
        const score = Math.fround(probs[j]! / sum);
        if (!(score > scoreThr)) continue;
        const o = (i * numClasses + j) * 4;
        for (let c = 0; c < 4; c++) candBoxes.push(Math.fround(decoded[o + c]! / sf[c]!));
        candScores.push(score);
        candLabels.push(j);
      }
    }
    row += n;
    const { keep } = batchedNms(candBoxes, candScores, candLabels, { iouThreshold: cfg.nms.iouThreshold, maxNum: cfg.maxPerImg });
    const m = keep.length;
    const boxes = new Float32Array(m * 4);
    const scores = new Float32Array(m);
    const labels = new Int32Array(m);
    const imgBoxes = new Float32Array(m * 4);
    for (let t = 0; t < m; t++) {
      const q = keep[t]!;
      for (let c = 0; c < 4; c++) {
        boxes[t * 4 + c] = candBoxes[q * 4 + c]!;
        imgBoxes[t * 4 + c] = candBoxes[q * 4 + c]! * sf[c]!;
      }
      scores[t] = candScores[q]!;
      labels[t] = candLabels[q]!;
    }
    const oriBoxes = meta.flip && meta.flipDirection ? flipBoxes(boxes, meta.oriShape, meta.flipDirection) : boxes;
    return { imgBoxes, oriBoxes, scores, labels };
  });
}

/**
 * mmdet 2.x FCNMaskHead.get_seg_masks (rescale=True) for one image: each detection's S x S class probability
 * map pasted into the original image at its box and thresholded. A flipped input's maps are mirrored first,
 * so they line up with the unflipped boxes.
 */
export function maskPostprocess(probs: Float32Array, size: number, oriBoxes: Float32Array, meta: ImageMeta, threshold: number): BitmapMasks {
  const [h, w] = meta.oriShape;
  const count = oriBoxes.length / 4;
  const data = new Uint8Array(count * h * w);
  const plane = size * size;
  const mirrored = new Float32Array(plane);
  for (let i = 0; i < count; i++) {
    let map = probs.subarray(i * plane, (i + 1) * plane);
    if (meta.flip && meta.flipDirection) {
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++) {
          const src = meta.flipDirection === 'horizontal' ? y * size + (size - 1 - x) : (size - 1 - y) * size + x;
          mirrored[y * size + x] = map[src]!;
        }
      map = mirrored;
    }
    pasteMask(map, size, oriBoxes.subarray(i * 4, i * 4 + 4), h, w, data.subarray(i * h * w, (i + 1) * h * w), threshold);
  }
  return { count, height: h, width: w, data };
}
