import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { classColor, drawDetections } from '../../tasks/detection/draw-detections.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { toCocoResults } from '../../eval/coco/detection-results.js';
import { rleFromJson } from '../../core/mask/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mila-draw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function result(): DetectionResult {
  const h = 60;
  const w = 80;
  const masks = new Uint8Array(2 * h * w);
  for (let y = 10; y < 30; y++) for (let x = 10; x < 40; x++) masks[y * w + x] = 1; // instance 0
  return {
    boxes: Float32Array.from([10, 10, 40, 30, 50, 35, 75, 55]),
    scores: Float32Array.from([0.9, 0.1]),
    labels: Int32Array.from([1, 0]),
    masks: { count: 2, height: h, width: w, data: masks },
  };
}

describe('drawDetections', () => {
  it('blends masks at alpha 0.5, strokes boxes in the class colour, and skips low scores', async () => {
    const w = 80;
    const h = 60;
    const img = { data: new Uint8Array(w * h * 3).fill(100), height: h, width: w, channels: 3 };
    const out = join(dir, 'a.png');
    const drawn = await drawDetections(img, result(), ['cat', 'dog'], out, 0.3);
    expect(drawn).toBe(1);
    const { data, info } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([w, h]);
    const px = (x: number, y: number) => [data[(y * w + x) * 3]!, data[(y * w + x) * 3 + 1]!, data[(y * w + x) * 3 + 2]!];
    const [r, g, b] = classColor(1);
    // Inside the mask, away from the box edge and the label: 0.5 * colour + 0.5 * 100 (alpha 128/255).
    const inside = px(25, 25);
    [r, g, b].forEach((c, k) => expect(Math.abs(inside[k]! - (c * 128 + 100 * 127) / 255)).toBeLessThanOrEqual(2));
    // On the box's bottom edge (y = 30) and left edge (x = 9), outside the mask: moved from the background
    // towards the class colour (the 1-px stroke is anti-aliased over two pixel rows).
    for (const edge of [px(25, 30), px(9, 20)]) {
      [r, g, b].forEach((c, k) => {
        expect(Math.sign(edge[k]! - 100)).toBe(Math.sign(c - 100));
        expect(Math.abs(edge[k]! - 100)).toBeGreaterThanOrEqual(0.3 * Math.abs(c - 100));
      });
    }
    // The low-score detection at (50..75, 35..55) is not drawn: background unchanged.
    expect(px(50, 45)).toEqual([100, 100, 100]);
    expect(px(75, 45)).toEqual([100, 100, 100]);
  });
});

describe('toCocoResults', () => {
  it('writes bbox as [x, y, w, h] and segm as compressed RLE with the box score, mapping labels to category ids', () => {
    const r = toCocoResults(result(), 42, [7, 9]);
    expect(r.bbox).toEqual([
      { image_id: 42, category_id: 9, bbox: [10, 10, 30, 20], score: expect.closeTo(0.9, 6) },
      { image_id: 42, category_id: 7, bbox: [50, 35, 25, 20], score: expect.closeTo(0.1, 6) },
    ]);
    // Column-major runs of the 30x20 block at (10,10) in a 60x80 image: 610 zeros, then 20 ones / 40 zeros per column.
    const segm0 = r.segm[0]!.segmentation!;
    expect(segm0.size).toEqual([60, 80]);
    const counts = Array.from(rleFromJson(segm0).counts);
    expect(counts.slice(0, 4)).toEqual([610, 20, 40, 20]);
    expect(counts).toHaveLength(1 + 2 * 30);
    expect(counts.at(-1)).toBe(60 * 80 - 610 - 30 * 60 + 40);
    expect(r.segm[0]!.score).toBeCloseTo(0.9, 6);
    // An all-zero 60x80 mask is one run of 4800, in pycocotools' 5-bit string code: 4800 = 0 + 32*(22 + 32*4) → 'P','f','4'.
    expect(r.segm[1]!.segmentation!.counts).toBe('Pf4');
  });
});
