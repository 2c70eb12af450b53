import { describe, expect, it } from 'vitest';
import { DeltaXYWHBBoxCoder } from '../../../core/boxes/index.js';
import type { ImageMeta } from '../../../core/types/data.js';
import { bboxPostprocess } from '../../../heads/det/roi/roi-postprocess.js';

const meta = (flip: boolean): ImageMeta => ({
  filename: 'x',
  imageId: 0,
  oriShape: [20, 20],
  imgShape: [40, 40],
  padShape: [40, 40],
  scaleFactor: [2, 2, 2, 2],
  flip,
  flipDirection: flip ? 'horizontal' : null,
});

describe('bboxPostprocess (get_bboxes + multiclass_nms)', () => {
  // 2 classes + background. Softmax of the log-probabilities gives back the probabilities:
  // A [0,0,10,10]  (.8, .1, .1)   B [1,0,11,10] (.6, .3, .1)   (IoU(A, B) = 9/11)
  // C [20,20,30,30] (.04, .04, .92): below score_thr 0.05 in both classes
  // D [30,30,40,40] (.1, .7, .2), deltas dx = dy = 5 (x 0.1 std = half a box) -> [35,35,45,45] clipped to 40.
  const proposals = Float32Array.from([0, 0, 10, 10, 1, 0, 11, 10, 20, 20, 30, 30, 30, 30, 40, 40]);
  const probs = [0.8, 0.1, 0.1, 0.6, 0.3, 0.1, 0.04, 0.04, 0.92, 0.1, 0.7, 0.2];
  const cls = Float32Array.from(probs.map(Math.log));
  const deltas = new Float32Array(4 * 8);
  deltas.set([5, 5, 0, 0, 5, 5, 0, 0], 3 * 8);
  const coder = new DeltaXYWHBBoxCoder({ stds: [0.1, 0.1, 0.2, 0.2] });
  const cfg = { scoreThr: 0.05, nms: { type: 'nms' as const, iouThreshold: 0.5 }, maxPerImg: 3, maskThrBinary: 0.5 };

  it('thresholds, suppresses within a class only, keeps the best max_per_img, rescales', () => {
    // Class 0: A (.8) suppresses B (.6), D (.1) stays. Class 1: D (.7), B (.3) suppresses A (.1).
    // Sorted: A0 .8, D1 .7, B1 .3, D0 .1 -> the first 3.
    const [d] = bboxPostprocess([proposals], cls, deltas, [meta(false)], coder, 2, cfg);
    expect(Array.from(d!.labels)).toEqual([0, 1, 1]);
    expect(Array.from(d!.scores).map((s) => +s.toFixed(5))).toEqual([0.8, 0.7, 0.3]);
    expect(Array.from(d!.oriBoxes)).toEqual([0, 0, 5, 5, 17.5, 17.5, 20, 20, 0.5, 0, 5.5, 5]);
    expect(Array.from(d!.imgBoxes)).toEqual([0, 0, 10, 10, 35, 35, 40, 40, 1, 0, 11, 10]);
  });

  it('undoes a horizontal flip in original-image coordinates', () => {
    const [d] = bboxPostprocess([proposals], cls, deltas, [meta(true)], coder, 2, cfg);
    expect(Array.from(d!.oriBoxes)).toEqual([15, 0, 20, 5, 0, 17.5, 2.5, 20, 14.5, 0, 19.5, 5]);
    // The mask branch pools from the network input, so its boxes stay in (flipped) input coordinates.
    expect(Array.from(d!.imgBoxes)).toEqual([0, 0, 10, 10, 35, 35, 40, 40, 1, 0, 11, 10]);
  });
});
