import * as tf from '@tensorflow/tfjs-core';
import type { EncoderDecoder, SegTestConfig } from './encoder-decoder.js';
import { resizeBilinear } from '../../heads/seg/resize-bilinear.js';
import { slideWindows, windowCounts } from './slide-windows.js';

/** One test-time view of an image: the normalised NHWC tensor [1, h, w, 3] the model sees, and whether it is flipped. */
export interface SegTestView {
  image: tf.Tensor4D;
  /** Horizontally flipped: the prediction is flipped back before averaging. */
  flip: boolean;
}

/** mmseg whole_inference: logits of the whole image, resized to the original [H, W]. */
export function wholeInferenceLogits(model: EncoderDecoder, img: tf.Tensor4D, oriShape: readonly [number, number]): tf.Tensor4D {
  return tf.tidy(() => resizeBilinear(model.encodeDecode(img), oriShape));
}

/**
 * mmseg slide_inference: windows of cropSize every stride (see slideWindows), each window's logits added
 * into a full-size map and divided by how many windows covered each pixel, then resized to the original
 * [H, W]. The sum is kept on the host so tensor memory does not grow with the number of windows.
 */
export function slideInferenceLogits(model: EncoderDecoder, img: tf.Tensor4D, oriShape: readonly [number, number], testCfg: SegTestConfig): tf.Tensor4D {
  const [n, h, w] = img.shape;
  if (n !== 1) throw new Error('slide inference takes one image at a time');
  const k = model.numClasses;
  const windows = slideWindows(h, w, testCfg.cropSize, testCfg.stride);
  const sum = new Float32Array(h * w * k);
  for (const win of windows) {
    const ch = win.y2 - win.y1;
    const cw = win.x2 - win.x1;
    const logits = tf.tidy(() => model.encodeDecode(tf.slice(img, [0, win.y1, win.x1, 0], [1, ch, cw, img.shape[3]])));
    const values = logits.dataSync() as Float32Array;
    logits.dispose();
    for (let y = 0; y < ch; y++) {
      const src = y * cw * k;
      const dst = ((win.y1 + y) * w + win.x1) * k;
      for (let i = 0; i < cw * k; i++) sum[dst + i]! += values[src + i]!;
    }
  }
  const count = windowCounts(h, w, windows);
  for (let p = 0; p < h * w; p++) {
    const c = count[p]!;
    if (c === 0) throw new Error(`slide inference left pixel ${p} uncovered`);
    if (c !== 1) for (let j = 0; j < k; j++) sum[p * k + j]! /= c;
  }
  return tf.tidy(() => resizeBilinear(tf.tensor4d(sum, [1, h, w, k]), oriShape));
}

/** Logits of one view at the original size, by the configured mode. */
export function inferenceLogits(model: EncoderDecoder, img: tf.Tensor4D, oriShape: readonly [number, number], testCfg: SegTestConfig): tf.Tensor4D {
  return testCfg.mode === 'slide' ? slideInferenceLogits(model, img, oriShape, testCfg) : wholeInferenceLogits(model, img, oriShape);
}

/**
 * mmseg simple_test / aug_test for one image: each view's softmax at the original size (flipped views
 * flipped back), averaged over views, then the argmax: a label map [H * W] of class indices.
 */
export function predictLabelMap(model: EncoderDecoder, views: readonly SegTestView[], oriShape: readonly [number, number], testCfg: SegTestConfig): Uint8Array {
  if (views.length === 0) throw new Error('predictLabelMap needs at least one view');
  if (model.numClasses > 256) throw new Error('label maps hold at most 256 classes');
  const wasTraining = model.training;
  model.eval();
  try {
    let acc: tf.Tensor4D | null = null;
    for (const view of views) {
      const prob = tf.tidy(() => {
        const logits = inferenceLogits(model, view.image, oriShape, testCfg);
        // A single view needs no softmax: argmax is the same.
        const p = views.length === 1 ? logits : tf.softmax(logits, -1);
        return view.flip ? tf.reverse(p, 2) : p;
      }) as tf.Tensor4D;
      if (acc) {
        const next: tf.Tensor4D = tf.add(acc, prob);
        acc.dispose();
        prob.dispose();
        acc = next;
      } else {
        acc = prob;
      }
    }
    const labels = tf.tidy(() => tf.argMax(acc!, -1));
    acc!.dispose();
    const out = Uint8Array.from(labels.dataSync() as Int32Array);
    labels.dispose();
    return out;
  } finally {
    model.train(wasTraining);
  }
}
