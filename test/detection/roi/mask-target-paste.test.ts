import { describe, expect, it } from 'vitest';
import type { ImageMeta } from '../../../core/types/data.js';
import { maskTargets } from '../../../heads/det/roi/mask-target.js';
import { pasteMask } from '../../../heads/det/roi/paste-mask.js';
import { maskPostprocess } from '../../../heads/det/roi/roi-postprocess.js';

/** Two 8x8 gt masks: #0 the square rows/cols 2..5, #1 empty. */
function gtMasks() {
  const data = new Uint8Array(2 * 64);
  for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) data[y * 8 + x] = 1;
  return { count: 2, height: 8, width: 8, data };
}

describe('maskTargets (BitmapMasks.crop_and_resize: RoIAlign aligned, then >= 0.5)', () => {
  it('crops and resizes hand cases', () => {
    const m = gtMasks();
    // [2,2,6,6] -> 4x4: one sample per bin at pixel centres 2..5: all inside the square.
    expect(Array.from(maskTargets(Float32Array.from([2, 2, 6, 6]), Int32Array.from([0]), m, 4))).toEqual(new Array(16).fill(1));
    // The whole mask -> 4x4: 2x2 samples per bin at integer pixel centres = the 2x2 block means.
    expect(Array.from(maskTargets(Float32Array.from([0, 0, 8, 8]), Int32Array.from([0]), m, 4))).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    // [1,1,5,5] -> 2x2: bins average pixels {1,2} / {3,4}: means 0.25, 0.5, 0.5, 1 -> 0, 1, 1, 1 (0.5 counts).
    expect(Array.from(maskTargets(Float32Array.from([1, 1, 5, 5]), Int32Array.from([0]), m, 2))).toEqual([0, 1, 1, 1]);
    // A proposal beyond the canvas is clipped to it first: [-4,-4,4,4] -> [0,0,4,4]: blocks of pixels {0,1}/{2,3}.
    expect(Array.from(maskTargets(Float32Array.from([-4, -4, 4, 4]), Int32Array.from([0]), m, 2))).toEqual([0, 0, 0, 1]);
    // Several positives, each with its own assigned gt (#1 is empty).
    expect(Array.from(maskTargets(Float32Array.from([2, 2, 6, 6, 2, 2, 6, 6]), Int32Array.from([1, 0]), m, 2))).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('rejects an assigned gt index without a mask', () => {
    expect(() => maskTargets(Float32Array.from([0, 0, 4, 4]), Int32Array.from([2]), gtMasks(), 2)).toThrow(/assigned gt 2/);
  });
});

// A 2x2 probability map pasted on a 4x4 box: pixel centre x + 0.5 samples mask coordinate x / 2 - 0.25
// (grid_sample, align_corners=False, zero padding), so rows/columns weigh the mask cells by
// y0: {0: .75}, y1: {0: .75, 1: .25}, y2: {0: .25, 1: .75}, y3: {1: .75}. With P = [[.9, .2], [.6, .8]]:
// row 0 .50625 .54375 .28125 .1125 | row 1 .61875 .70625 .46875 .2625
// row 2 .50625 .66875 .65625 .4875 | row 3 .3375 .4875 .5625 .45   -> thresholded at 0.5:
const P = [0.9, 0.2, 0.6, 0.8];
const PASTED = [
  [1, 1, 0, 0],
  [1, 1, 0, 0],
  [1, 1, 1, 0],
  [0, 0, 1, 0],
];

function rows(data: Uint8Array, h: number, w: number): number[][] {
  return Array.from({ length: h }, (_, y) => Array.from(data.subarray(y * w, (y + 1) * w)));
}

describe('pasteMask (mmdet _do_paste_mask)', () => {
  it('pastes a hand case into a larger image, zero outside the box', () => {
    const out = new Uint8Array(36);
    pasteMask(P, 2, [1, 1, 5, 5], 6, 6, out);
    const want = [[0, 0, 0, 0, 0, 0], ...PASTED.map((r) => [0, ...r, 0]), [0, 0, 0, 0, 0, 0]];
    expect(rows(out, 6, 6)).toEqual(want);
  });

  it('clips the pasted region to the image', () => {
    const out = new Uint8Array(9);
    pasteMask(P, 2, [0, 0, 4, 4], 3, 3, out);
    expect(rows(out, 3, 3)).toEqual(PASTED.slice(0, 3).map((r) => r.slice(0, 3)));
  });

  it('maskPostprocess mirrors the map of a flipped image before pasting', () => {
    const meta: ImageMeta = {
      filename: 'x',
      imageId: 0,
      oriShape: [6, 6],
      imgShape: [6, 6],
      padShape: [6, 6],
      scaleFactor: [1, 1, 1, 1],
      flip: true,
      flipDirection: 'horizontal',
    };
    const masks = maskPostprocess(Float32Array.from(P), 2, Float32Array.from([1, 1, 5, 5]), meta, 0.5);
    expect(masks.count).toBe(1);
    const want = [[0, 0, 0, 0, 0, 0], ...PASTED.map((r) => [0, ...[...r].reverse(), 0]), [0, 0, 0, 0, 0, 0]];
    expect(rows(masks.data, 6, 6)).toEqual(want);
  });
});
