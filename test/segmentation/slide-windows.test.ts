import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { slideWindows, windowCounts } from '../../models/segmentor/slide-windows.js';
import { slideInferenceLogits } from '../../models/segmentor/inference.js';
import type { EncoderDecoder } from '../../models/segmentor/encoder-decoder.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

describe('slide inference window grid (mmseg slide_inference)', () => {
  it('a 512x683 ADE20K image at crop 512 stride 341 takes two windows, the second clamped to the right edge', () => {
    // h_grids = max(512-512+340, 0)//341 + 1 = 1; w_grids = (683-512+340)//341 + 1 = 2.
    expect(slideWindows(512, 683, [512, 512], [341, 341])).toEqual([
      { y1: 0, y2: 512, x1: 0, x2: 512 },
      { y1: 0, y2: 512, x1: 171, x2: 683 },
    ]);
  });

  it('an image smaller than the crop is one window of the whole image', () => {
    expect(slideWindows(300, 400, [512, 512], [341, 341])).toEqual([{ y1: 0, y2: 300, x1: 0, x2: 400 }]);
  });

  it('a 1030x853 image: 3x2 windows with mmseg starts and clamped ends', () => {
    // h_grids = (1030-512+340)//341 + 1 = 3 (starts 0, 341, 682 -> clamped to 518); w_grids = (853-512+340)//341 + 1 = 2.
    const w = slideWindows(1030, 853, [512, 512], [341, 341]);
    expect(w.map((r) => [r.y1, r.y2, r.x1, r.x2])).toEqual([
      [0, 512, 0, 512], [0, 512, 341, 853],
      [341, 853, 0, 512], [341, 853, 341, 853],
      [518, 1030, 0, 512], [518, 1030, 341, 853],
    ]);
  });

  it('counts cover every pixel exactly as mmseg count_mat does', () => {
    const windows = slideWindows(512, 683, [512, 512], [341, 341]);
    const count = windowCounts(512, 683, windows);
    for (const x of [0, 170, 171, 511, 512, 682]) {
      const expected = x >= 171 && x < 512 ? 2 : 1;
      for (const y of [0, 255, 511]) expect(count[y * 683 + x]).toBe(expected);
    }
    expect(count.reduce((a, b) => a + b, 0)).toBe(2 * 512 * 512);
    expect(count.every((c) => c >= 1)).toBe(true);
  });

  it('averages overlapping window logits by their count', () => {
    // A stub model whose logits are constant per call: class 0 = 1, class 1 = the window's call number.
    let call = 0;
    const stub = {
      numClasses: 2,
      encodeDecode(img: tf.Tensor4D): tf.Tensor4D {
        call++;
        const [, h, w] = img.shape;
        return tf.tidy(() => tf.concat([tf.ones([1, h, w, 1]), tf.fill([1, h, w, 1], call)], 3) as tf.Tensor4D);
      },
    } as unknown as EncoderDecoder;
    // 6x10 image, crop 6x6, stride 4: w_grids = (10-6+3)//4 + 1 = 2, windows x [0,6) and [4,10).
    const img = tf.zeros([1, 6, 10, 3]) as tf.Tensor4D;
    const out = slideInferenceLogits(stub, img, [6, 10], { mode: 'slide', cropSize: [6, 6], stride: [4, 4] });
    const v = out.dataSync();
    for (let x = 0; x < 10; x++) {
      const expected = x < 4 ? 1 : x < 6 ? 1.5 : 2;
      expect(v[(2 * 10 + x) * 2]).toBeCloseTo(1, 6);
      expect(v[(2 * 10 + x) * 2 + 1]).toBeCloseTo(expected, 6);
    }
    img.dispose();
    out.dispose();
  });
});
