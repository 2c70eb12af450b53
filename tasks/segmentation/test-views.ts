import * as tf from '@tensorflow/tfjs-core';
import type { HostImage } from '../../core/types/data.js';
import { resizeBilinearU8 } from '../../datasets/image/resize-bilinear.js';
import { rescaleSize } from '../../datasets/transforms/rescale-size.js';
import { IMAGENET_MEAN_RGB, IMAGENET_STD_RGB, normalizeImage } from '../../datasets/transforms/normalize.js';
import type { SegTestView } from '../../models/segmentor/inference.js';

/** mmseg's multi-scale ratios for the "MS" ADE20K numbers. */
export const MS_RATIOS: readonly number[] = [0.5, 0.75, 1.0, 1.25, 1.5, 1.75];

export interface TestViewOptions {
  /** (long, short) test scale, e.g. [2048, 512]. */
  imgScale: [number, number];
  /** MultiScaleFlipAug img_ratios: one view per ratio at (int(long*r), int(short*r)); null = the scale itself. */
  ratios: readonly number[] | null;
  /** Add a horizontally flipped copy of every scale. */
  flip: boolean;
  mean?: readonly number[];
  std?: readonly number[];
}

/**
 * mmseg's test pipeline (MultiScaleFlipAug -> Resize keep_ratio (cv2 bilinear) -> RandomFlip -> Normalize)
 * for one decoded RGB image: the views the model averages over. The caller disposes the tensors.
 */
export function buildTestViews(img: HostImage, opts: TestViewOptions): SegTestView[] {
  if (!(img.data instanceof Uint8Array) || img.channels !== 3) throw new Error('test views need a uint8 RGB image');
  const scales = (opts.ratios ?? [1]).map((r): [number, number] =>
    opts.ratios ? [Math.trunc(opts.imgScale[0] * r), Math.trunc(opts.imgScale[1] * r)] : opts.imgScale,
  );
  const views: SegTestView[] = [];
  for (const scale of scales) {
    const [w, h] = rescaleSize(img.width, img.height, scale);
    const resized: HostImage = { data: resizeBilinearU8(img.data, img.height, img.width, 3, h, w), height: h, width: w, channels: 3 };
    const norm = normalizeImage(resized, opts.mean ?? IMAGENET_MEAN_RGB, opts.std ?? IMAGENET_STD_RGB);
    const t = tf.tensor4d(norm.data as Float32Array, [1, h, w, 3]);
    views.push({ image: t, flip: false });
    if (opts.flip) views.push({ image: tf.tidy(() => tf.reverse(t, 2)) as tf.Tensor4D, flip: true });
  }
  return views;
}
