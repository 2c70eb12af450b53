import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { reduceZeroLabel } from '../../datasets/ade20k/reduce-zero-label.js';
import { collateSeg } from '../../datasets/loader/collate.js';
import { buildSegPipeline } from '../../datasets/pipelines/build-pipeline.js';
import { SEG_TEST_ADE20K, SEG_TRAIN_ADE20K } from '../../datasets/pipelines/pipeline-spec.js';
import { photoMetricDistortion } from '../../datasets/transforms/photo-metric-distortion.js';
import { segPad } from '../../datasets/transforms/seg-pad.js';
import { segRandomCrop } from '../../datasets/transforms/seg-random-crop.js';
import { segRandomFlip } from '../../datasets/transforms/seg-random-flip.js';
import { segResize } from '../../datasets/transforms/seg-resize.js';
import type { SegSample } from '../../core/types/data.js';
import { ScriptedRng } from './scripted-rng.js';

function seg(h: number, w: number, label: (y: number, x: number) => number, pixel = (i: number) => (i * 5) % 256): SegSample {
  const img = new Uint8Array(h * w * 3);
  for (let i = 0; i < img.length; i++) img[i] = pixel(i);
  const gt = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) gt[y * w + x] = label(y, x);
  return {
    img: { data: img, height: h, width: w, channels: 3 },
    meta: { filename: 'a.jpg', imageId: 0, oriShape: [h, w], imgShape: [h, w], padShape: [h, w], scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null },
    gtSemanticSeg: gt,
  };
}

describe('segmentation transforms', () => {
  it('reduce_zero_label: 0 -> 255, k -> k - 1, 255 stays', () => {
    expect(Array.from(reduceZeroLabel(Uint8Array.of(0, 1, 2, 150, 255)))).toEqual([255, 0, 1, 149, 255]);
  });

  it('Resize with ratio_range: scale = int(scale * r), keep ratio, labels nearest', () => {
    // r = 0.5 + 0.5 * 1.5 = 1.25 -> scale (40, 10); 8x12 image: min(40/12, 10/8) = 1.25 -> 15 x 10
    const s = segResize({ imgScale: [32, 8], ratioRange: [0.5, 2.0] }).apply(seg(8, 12, (y, x) => (x >= 6 ? 2 : y >= 4 ? 1 : 0)), new ScriptedRng([0.5]));
    expect([s.img.height, s.img.width]).toEqual([10, 15]);
    expect(s.meta.scaleFactor).toEqual([1.25, 1.25, 1.25, 1.25]);
    const g = s.gtSemanticSeg!;
    // column x takes floor(x * 12/15): x = 7 -> 5 (label 0/1), x = 8 -> 6 (label 2)
    expect(g[0 * 15 + 7]).toBe(0);
    expect(g[0 * 15 + 8]).toBe(2);
    // row y takes floor(y * 8/10): y = 4 -> 3 (label 0), y = 5 -> 4 (label 1)
    expect(g[4 * 15 + 0]).toBe(0);
    expect(g[5 * 15 + 0]).toBe(1);
  });

  it('RandomCrop retries until no class exceeds cat_max_ratio', () => {
    // 8x8 map: left half class 1, right half class 2; a 4x4 crop at x=0 is pure class 1 (retry), at x=2 mixed.
    const s = seg(8, 8, (_y, x) => (x < 4 ? 1 : 2));
    // offsets drawn as (h, w): first (0, 0) -> single class; then (0, 2) -> 2 columns of each: ratio 0.5 < 0.75
    const c = segRandomCrop({ cropSize: [4, 4], catMaxRatio: 0.75 }).apply(s, new ScriptedRng([0, 0, 0, 2 / 5]));
    expect(c.meta.imgShape).toEqual([4, 4]);
    expect(Array.from(c.gtSemanticSeg!.subarray(0, 4))).toEqual([1, 1, 2, 2]);
    // ignore pixels (255) do not count as a class
    const ign = seg(8, 8, (_y, x) => (x < 4 ? 1 : 255));
    const rng = new ScriptedRng(new Array(22).fill(0));
    segRandomCrop({ cropSize: [4, 4], catMaxRatio: 0.75 }).apply(ign, rng);
    expect(rng.used).toBe(22); // first draw + 10 retries, never accepted
  });

  it('RandomFlip mirrors image and labels together', () => {
    const s = segRandomFlip(0.5).apply(seg(2, 3, (_y, x) => x), new ScriptedRng([0.1]));
    expect(Array.from(s.gtSemanticSeg!)).toEqual([2, 1, 0, 2, 1, 0]);
    expect(s.meta.flip).toBe(true);
  });

  it('Pad fills the image with 0 and the labels with 255 up to the crop size', () => {
    const s = segPad({ size: [4, 5], padVal: 0, segPadVal: 255 }).apply(seg(2, 3, () => 7), new Rng(0));
    expect(s.meta.padShape).toEqual([4, 5]);
    expect(Array.from(s.gtSemanticSeg!)).toEqual([7, 7, 7, 255, 255, 7, 7, 7, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]);
    expect(s.img.data[(0 * 5 + 3) * 3]).toBe(0);
    expect(s.img.data[(1 * 5 + 2) * 3]).toBe(seg(2, 3, () => 7).img.data[(1 * 3 + 2) * 3]);
  });

  it('PhotoMetricDistortion: brightness shift with clipping, contrast scale with truncation, in mmseg order', () => {
    const px = [100, 150, 250, 101, 0, 7];
    const s = seg(1, 2, () => 0, (i) => px[i]!);
    // brightness: coin 1, delta = -32 + 64 * 0.75 = 16; mode coin 1 (contrast first): coin 1, alpha = 0.5 + 0.75 = 1.25;
    // saturation coin 0, hue coin 0.
    const out = photoMetricDistortion().apply(s, new ScriptedRng([0.9, 0.75, 0.9, 0.9, 0.75, 0.1, 0.1]));
    // (100+16)*1.25 = 145, (150+16)*1.25 = 207.5 -> 207, 250+16 -> 255 (clip) -> 255, 117*1.25 = 146.25 -> 146, 16*1.25 = 20, 23*1.25 = 28.75 -> 28
    expect(Array.from(out.img.data)).toEqual([145, 207, 255, 146, 20, 28]);
    // contrast last (mode 0): same numbers here but the coin for contrast is drawn after hue
    const out2 = photoMetricDistortion().apply(s, new ScriptedRng([0.1, 0.1, 0.1, 0.1, 0.9, 0.5]));
    expect(Array.from(out2.img.data)).toEqual(px);
  });

  it('PhotoMetricDistortion hue shift goes through OpenCV HSV and wraps at 180', () => {
    // pure red (H=0, S=255, V=255); hue delta = randint(-18, 18) with next 0 -> -18 -> H = 162 (magenta side)
    const s = seg(1, 1, () => 0, (i) => [255, 0, 0][i]!);
    const out = photoMetricDistortion().apply(s, new ScriptedRng([0.1, 0.1, 0.1, 0.9, 0, 0.1]));
    // H=162 is 324 degrees: sector 5, f = 0.4 -> (r, g, b) = (v, p, q) = (255, 0, 255 * (1 - 0.4)) = (255, 0, 153)
    expect(Array.from(out.img.data)).toEqual([255, 0, 153]);
  });

  it('the ADE20K train pipeline gives 512x512 crops (labels padded with 255) deterministically', () => {
    const s = seg(300, 400, (y) => (y < 150 ? 3 : 5));
    const p = buildSegPipeline(SEG_TRAIN_ADE20K);
    const a = p.apply(s, new Rng(3));
    const b = p.apply(s, new Rng(3));
    expect([a.img.height, a.img.width]).toEqual([512, 512]);
    expect(a.meta).toEqual(b.meta);
    expect(Array.from(a.gtSemanticSeg!)).toEqual(Array.from(b.gtSemanticSeg!));
    const [h, w] = a.meta.imgShape;
    if (h < 512) expect(a.gtSemanticSeg![511 * 512]).toBe(255);
    if (w < 512) expect(a.gtSemanticSeg![511]).toBe(255);
  });

  it('the ADE20K test pipeline resizes to (2048, 512) keeping the ratio', () => {
    const t = buildSegPipeline(SEG_TEST_ADE20K).apply(seg(300, 400, () => 1), new Rng(0));
    // min(2048/400, 512/300) = 1.7067 -> 683 x 512
    expect(t.meta.imgShape).toEqual([512, 683]);
  });

  it('collate pads labels with 255 and images with 0', () => {
    const b = collateSeg([seg(2, 3, () => 1), seg(3, 2, () => 2)]);
    expect(b.shape).toEqual([2, 3, 3, 3]);
    expect(Array.from(b.labels!.subarray(0, 9))).toEqual([1, 1, 1, 1, 1, 1, 255, 255, 255]);
    expect(Array.from(b.labels!.subarray(9, 18))).toEqual([2, 2, 255, 2, 2, 255, 2, 2, 255]);
    expect(b.images[(0 * 9 + 2 * 3 + 0) * 3]).toBe(0);
  });
});
