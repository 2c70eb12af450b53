import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { buildDetPipeline } from '../../datasets/pipelines/build-pipeline.js';
import { DET_TEST, DET_TRAIN_MLLA_3X } from '../../datasets/pipelines/pipeline-spec.js';
import { detPad } from '../../datasets/transforms/det-pad.js';
import { detRandomCrop } from '../../datasets/transforms/det-random-crop.js';
import { detRandomFlip } from '../../datasets/transforms/det-random-flip.js';
import { detResize } from '../../datasets/transforms/det-resize.js';
import { detNormalize } from '../../datasets/transforms/det-normalize.js';
import { rescaleSize } from '../../datasets/transforms/rescale-size.js';
import { autoAugment } from '../../datasets/transforms/auto-augment.js';
import { collateDet } from '../../datasets/loader/collate.js';
import type { DetSample } from '../../core/types/data.js';
import { ScriptedRng } from './scripted-rng.js';

/** A 10x16 sample: one box [2, 3, 10, 8] whose mask fills rows 3..7, cols 2..9, and one small box. */
function sample(): DetSample {
  const h = 10;
  const w = 16;
  const mask = new Uint8Array(2 * h * w);
  for (let y = 3; y <= 7; y++) for (let x = 2; x <= 9; x++) mask[y * w + x] = 1;
  for (let y = 0; y <= 1; y++) for (let x = 14; x <= 15; x++) mask[h * w + y * w + x] = 1;
  const img = new Uint8Array(h * w * 3);
  for (let i = 0; i < img.length; i++) img[i] = (i * 7) % 256;
  return {
    img: { data: img, height: h, width: w, channels: 3 },
    meta: { filename: 'x.jpg', imageId: 1, oriShape: [h, w], imgShape: [h, w], padShape: [h, w], scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null },
    gtBoxes: Float32Array.of(2, 3, 10, 8, 14, 0, 16, 2),
    gtLabels: Int32Array.of(3, 1),
    gtBoxesIgnore: Float32Array.of(0, 0, 4, 4),
    gtMasks: { count: 2, height: h, width: w, data: mask },
  };
}

/** Rows and columns (inclusive ranges) where mask k is set, plus its area. */
function maskExtent(s: DetSample, k: number): { rows: [number, number]; cols: [number, number]; area: number } {
  const m = s.gtMasks!;
  let r0 = Infinity, r1 = -1, c0 = Infinity, c1 = -1, area = 0;
  for (let y = 0; y < m.height; y++)
    for (let x = 0; x < m.width; x++)
      if (m.data[k * m.height * m.width + y * m.width + x]) {
        area++;
        r0 = Math.min(r0, y);
        r1 = Math.max(r1, y);
        c0 = Math.min(c0, x);
        c1 = Math.max(c1, x);
      }
  return { rows: [r0, r1], cols: [c0, c1], area };
}

const f = Math.fround;

describe('mmdet rescale rule', () => {
  it('keeps the long edge within max(scale) and the short edge within min(scale), int(x * s + 0.5)', () => {
    expect(rescaleSize(640, 427, [1333, 800])).toEqual([1199, 800]);
    expect(rescaleSize(427, 640, [1333, 800])).toEqual([800, 1199]);
    expect(rescaleSize(1000, 200, [1333, 800])).toEqual([1333, 267]); // long edge binds: 200 * 1.333 = 266.6
    expect(rescaleSize(16, 10, [20, 12])).toEqual([19, 12]);
  });
});

describe('detection transforms', () => {
  it('Resize keep_ratio scales boxes by the float32 factors and resizes masks nearest', () => {
    const s = detResize({ imgScale: [[20, 12]] }).apply(sample(), new Rng(0))!;
    expect([s.img.height, s.img.width]).toEqual([12, 19]);
    expect(s.meta.scaleFactor).toEqual([f(19 / 16), f(1.2), f(19 / 16), f(1.2)]);
    expect(s.meta.imgShape).toEqual([12, 19]);
    expect(Array.from(s.gtBoxes.subarray(0, 4))).toEqual([f(2 * f(1.1875)), f(3 * f(1.2)), f(10 * 1.1875), f(8 * f(1.2))]);
    // Ignore boxes follow; boxes are clipped to the image.
    expect(Array.from(s.gtBoxesIgnore)).toEqual([0, 0, 4.75, f(4 * f(1.2))]);
    expect(s.gtBoxes[6]).toBe(19);
    // Nearest: dst row y takes floor(y * 10/12), col x takes floor(x * 16/19); source rows 3..7 -> 4..9, cols 2..9 -> 3..11.
    expect(maskExtent(s, 0)).toEqual({ rows: [4, 9], cols: [3, 11], area: 54 });
  });

  it('Resize multi-scale "value" picks one scale per sample from the rng', () => {
    const t = detResize({ imgScale: [[20, 12], [40, 24], [80, 48]], multiscaleMode: 'value' });
    expect(t.apply(sample(), new ScriptedRng([0.5]))!.img.width).toBe(rescaleSize(16, 10, [40, 24])[0]);
    expect(t.apply(sample(), new ScriptedRng([0.9]))!.img.width).toBe(rescaleSize(16, 10, [80, 48])[0]);
  });

  it('RandomFlip mirrors boxes as w - x and flips masks; keeps everything when not drawn', () => {
    const flipped = detRandomFlip(0.5).apply(sample(), new ScriptedRng([0.2]))!;
    expect(flipped.meta.flip).toBe(true);
    expect(flipped.meta.flipDirection).toBe('horizontal');
    expect(Array.from(flipped.gtBoxes.subarray(0, 4))).toEqual([6, 3, 14, 8]);
    expect(maskExtent(flipped, 0)).toEqual({ rows: [3, 7], cols: [6, 13], area: 40 });
    // pixel (y=0, x=0) now holds the old (0, 15)
    expect(Array.from(flipped.img.data.subarray(0, 3))).toEqual(Array.from(sample().img.data.subarray(45, 48)));
    const kept = detRandomFlip(0.5).apply(sample(), new ScriptedRng([0.7]))!;
    expect(kept.meta.flip).toBe(false);
    expect(Array.from(kept.gtBoxes.subarray(0, 4))).toEqual([2, 3, 10, 8]);
  });

  it('Normalize gives (v - mean) / std per RGB channel', () => {
    const s = sample();
    s.img.data.fill(0);
    s.img.data.set([124, 116, 104], 3);
    const n = detNormalize().apply(s, new Rng(0))!;
    expect(n.img.data[0]).toBeCloseTo(-123.675 / 58.395, 5);
    expect(n.img.data[1]).toBeCloseTo(-116.28 / 57.12, 5);
    expect(n.img.data[2]).toBeCloseTo(-103.53 / 57.375, 5);
    expect(n.img.data[3]).toBeCloseTo(0.325 / 58.395, 5);
    expect(n.img.data instanceof Float32Array).toBe(true);
  });

  it('Pad to a multiple of 32 adds zeros at the bottom/right of image and masks, boxes unchanged', () => {
    const p = detPad({ sizeDivisor: 32 }).apply(sample(), new Rng(0))!;
    expect([p.img.height, p.img.width]).toEqual([32, 32]);
    expect(p.meta.padShape).toEqual([32, 32]);
    expect(p.meta.imgShape).toEqual([10, 16]);
    expect(p.img.data[(0 * 32 + 16) * 3]).toBe(0);
    expect(p.img.data[(0 * 32 + 1) * 3]).toBe(sample().img.data[3]);
    expect(maskExtent(p, 0)).toEqual({ rows: [3, 7], cols: [2, 9], area: 40 });
    expect(Array.from(p.gtBoxes)).toEqual(Array.from(sample().gtBoxes));
  });

  it('RandomCrop shifts and clips boxes, drops boxes left empty with their labels and masks', () => {
    // absolute (8, 10) crop of the 10x16 image; scripted offsets: offH = int(0..2) -> 2, offW = int(0..6) -> 5
    const c = detRandomCrop({ cropType: 'absolute', cropSize: [8, 10], allowNegativeCrop: false }).apply(sample(), new ScriptedRng([0.99, 5.5 / 7]))!;
    expect([c.img.height, c.img.width]).toEqual([8, 10]);
    expect(c.meta.imgShape).toEqual([8, 10]);
    // [2,3,10,8] - (5,2) = [-3,1,5,6] -> clipped [0,1,5,6]; [14,0,16,2] - (5,2) -> [9,-2,11,0] -> [9,0,10,0] (empty, dropped)
    expect(Array.from(c.gtBoxes)).toEqual([0, 1, 5, 6]);
    expect(Array.from(c.gtLabels)).toEqual([3]);
    expect(Array.from(c.gtBoxesIgnore)).toEqual([]); // [0,0,4,4] -> [0,0,0,2]: empty
    expect(c.gtMasks!.count).toBe(1);
    // mask rows 3..7, cols 2..9 inside the window y 2..9, x 5..14 -> rows 1..5, cols 0..4
    expect(maskExtent(c, 0)).toEqual({ rows: [1, 5], cols: [0, 4], area: 25 });
    expect(Array.from(c.img.data.subarray(0, 3))).toEqual(Array.from(sample().img.data.subarray((2 * 16 + 5) * 3, (2 * 16 + 5) * 3 + 3)));
  });

  it('RandomCrop absolute_range draws h and w in [min, max] and allows or refuses empty crops', () => {
    const s = sample();
    s.gtBoxes = Float32Array.of(14, 8, 16, 10);
    s.gtLabels = Int32Array.of(1);
    s.gtMasks = null;
    // crop_h = int(6..9) -> 6 + floor(0*4) = 6; crop_w = int(6..11) -> 6; offsets 0, 0: the box is outside.
    const rngVals = [0, 0, 0, 0];
    expect(detRandomCrop({ cropType: 'absolute_range', cropSize: [6, 10], allowNegativeCrop: false }).apply(s, new ScriptedRng(rngVals))).toBeNull();
    const kept = detRandomCrop({ cropType: 'absolute_range', cropSize: [6, 10], allowNegativeCrop: true }).apply(s, new ScriptedRng(rngVals))!;
    expect([kept.img.height, kept.img.width]).toEqual([6, 6]);
    expect(kept.gtBoxes.length).toBe(0);
    // h drawn from [6, 10] (image height 10), w from [6, 10]: top values give 10 x 10
    const big = detRandomCrop({ cropType: 'absolute_range', cropSize: [6, 10], allowNegativeCrop: true }).apply(s, new ScriptedRng([0.999, 0.999, 0, 0]))!;
    expect([big.img.height, big.img.width]).toEqual([10, 10]);
  });

  it('AutoAugment picks one policy per sample', () => {
    const a = autoAugment([[detResize({ imgScale: [[20, 12]] })], [detResize({ imgScale: [[40, 24]] })]]);
    expect(a.apply(sample(), new ScriptedRng([0.3]))!.img.width).toBe(19);
    expect(a.apply(sample(), new ScriptedRng([0.7]))!.img.width).toBe(38);
  });

  it('Resize(override) after resize and crop keeps only its own scale factor, as mmdet (MLLA crop policy)', () => {
    // 10x16 -> 12x19 (factors 19/16, 1.2) -> 8x8 crop at (0, 0) -> 16x16 (factor 2 on both axes).
    const policy = buildDetPipeline([
      { type: 'Resize', imgScale: [[20, 12]], keepRatio: true },
      { type: 'RandomCrop', cropType: 'absolute', cropSize: [8, 8], allowNegativeCrop: true },
      { type: 'Resize', imgScale: [[32, 16]], keepRatio: true, override: true },
    ]);
    const rng = new ScriptedRng([0, 0]);
    const s = policy.apply(sample(), rng)!;
    expect(rng.used).toBe(2);
    expect([s.img.height, s.img.width]).toEqual([16, 16]);
    expect(s.meta.imgShape).toEqual([16, 16]);
    // mmdet: scale_factor = [2, 2, 2, 2]; composing with the first resize would give 2.375 / 2.4.
    expect(s.meta.scaleFactor).toEqual([2, 2, 2, 2]);
    // The box [2, 3, 10, 8] went to [2.375, 3.6, 8 (clipped), 8 (clipped)] and doubles.
    expect(Array.from(s.gtBoxes.subarray(0, 4))).toEqual([f(2 * f(2 * f(1.1875))), f(2 * f(3 * f(1.2))), 16, 16]);
  });

  it('a second Resize without override is refused when the pipeline is built (mmdet asserts per sample)', () => {
    const crop = { type: 'RandomCrop', cropType: 'absolute', cropSize: [8, 8], allowNegativeCrop: true } as const;
    expect(() => buildDetPipeline([{ type: 'Resize', imgScale: [[20, 12]] }, crop, { type: 'Resize', imgScale: [[32, 16]] }])).toThrow(/pipeline\[2\] Resize: an earlier Resize .*override: true/);
    // ...also after an AutoAugment one of whose policies resizes.
    const aa = { type: 'AutoAugment', policies: [[crop], [{ type: 'Resize', imgScale: [[20, 12]] }]] } as const;
    expect(() => buildDetPipeline([aa, { type: 'Resize', imgScale: [[32, 16]] }])).toThrow(/pipeline\[1\] Resize/);
    expect(() => buildDetPipeline([aa, { type: 'Resize', imgScale: [[32, 16]], override: true }])).not.toThrow();
    expect(() => buildDetPipeline(DET_TRAIN_MLLA_3X)).not.toThrow();
  });

  it('the MLLA 3x pipeline is deterministic under a seed and its outputs are padded to 32', () => {
    const p = buildDetPipeline(DET_TRAIN_MLLA_3X);
    const a = p.apply(sample(), new Rng(7))!;
    const b = p.apply(sample(), new Rng(7))!;
    expect(a.meta).toEqual(b.meta);
    expect(Array.from(a.gtBoxes)).toEqual(Array.from(b.gtBoxes));
    expect(a.img.height % 32).toBe(0);
    expect(a.img.width % 32).toBe(0);
    expect(Math.min(...a.meta.imgShape)).toBeGreaterThanOrEqual(480);
  });

  it('the test pipeline takes a 427x640 image to 800x1199, padded to 800x1216, with its meta', () => {
    const s = sample();
    s.img = { data: new Uint8Array(427 * 640 * 3).fill(128), height: 427, width: 640, channels: 3 };
    s.meta = { ...s.meta, oriShape: [427, 640], imgShape: [427, 640], padShape: [427, 640] };
    s.gtMasks = null;
    const t = buildDetPipeline(DET_TEST).apply(s, new Rng(0))!;
    expect(t.meta.oriShape).toEqual([427, 640]);
    expect(t.meta.imgShape).toEqual([800, 1199]);
    expect(t.meta.padShape).toEqual([800, 1216]);
    expect(t.meta.scaleFactor).toEqual([f(1199 / 640), f(800 / 427), f(1199 / 640), f(800 / 427)]);
    expect(t.img.data[0]).toBeCloseTo((128 - 123.675) / 58.395, 5);
    expect(t.img.data[(800 * 1216 - 1) * 3]).toBe(0);
  });

  it('collate pads images with zeros to the largest in the batch and keeps per-image targets', () => {
    const a = detPad({ sizeDivisor: 1 }).apply(sample(), new Rng(0))!;
    const b = detResize({ imgScale: [[20, 12]] }).apply(sample(), new Rng(0))!;
    const batch = collateDet([a, b]);
    expect(batch.shape).toEqual([2, 12, 19, 3]);
    expect(batch.images[(0 * 12 * 19 + 11 * 19 + 18) * 3]).toBe(0);
    expect(batch.images[(0 * 12 * 19 + 0 * 19 + 1) * 3]).toBe(a.img.data[3]);
    expect(batch.images[(1 * 12 * 19 + 11 * 19 + 18) * 3]).toBe(b.img.data[(11 * 19 + 18) * 3]);
    expect(batch.gtLabels.map((l) => Array.from(l))).toEqual([[3, 1], [3, 1]]);
    expect(batch.metas[1]!.imgShape).toEqual([12, 19]);
  });
});
