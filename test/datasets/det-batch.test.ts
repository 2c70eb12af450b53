import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { buildDetBatch } from '../../datasets/loader/det-batch.js';

describe('buildDetBatch', () => {
  it('normalises with the ImageNet mean/std, pads to 32 at the bottom/right, and keeps boxes, labels and padded masks', () => {
    const [w, h] = [40, 20];
    const data = new Uint8Array(w * h * 3).fill(0).map((_, i) => [200, 100, 50][i % 3]!);
    const mask = new Uint8Array(w * h);
    mask[h * w - 1] = 1;
    const small = { data: new Uint8Array(10 * 10 * 3), width: 10, height: 10 };
    const b = buildDetBatch([
      { image: { data, width: w, height: h }, boxes: [1, 2, 30, 18], labels: [4], masks: mask },
      { image: small, boxes: [], labels: [] },
    ]);
    expect(b.shape).toEqual([2, 32, 64, 3]);
    // pixel (0, 0) of image 0, channel by channel
    [(200 - 123.675) / 58.395, (100 - 116.28) / 57.12, (50 - 103.53) / 57.375].forEach((v, c) => expect(b.images[c]).toBeCloseTo(v, 5));
    // beyond the image (x = 40) and in the second image's padding: zeros
    expect(Array.from(b.images.subarray(40 * 3, 40 * 3 + 3))).toEqual([0, 0, 0]);
    expect(b.images[(32 * 64 + 20 * 64 + 5) * 3]).toBe(0);
    expect(Array.from(b.gtBoxes[0]!)).toEqual([1, 2, 30, 18]);
    expect(Array.from(b.gtLabels[0]!)).toEqual([4]);
    expect(b.metas[0]!.padShape).toEqual([32, 64]);
    expect(b.metas[0]!.imgShape).toEqual([20, 40]);
    const m = b.gtMasks[0]!;
    expect([m.count, m.height, m.width]).toEqual([1, 32, 64]);
    expect(m.data[19 * 64 + 39]).toBe(1);
    expect(m.data.reduce((s, v) => s + v, 0)).toBe(1);
    expect(b.gtMasks[1]).toBeNull();
  });

  it('refuses inconsistent sizes in one line', () => {
    const image = { data: new Uint8Array(12), width: 2, height: 2 };
    expect(() => buildDetBatch([{ image, boxes: [0, 0, 1, 1, 0, 0, 1], labels: [1, 2] }])).toThrow(new UserError('buildDetBatch: image 0: 1.75 boxes for 2 labels'));
    expect(() => buildDetBatch([{ image: { ...image, data: new Uint8Array(5) }, boxes: [], labels: [] }])).toThrow('buildDetBatch: image 0: 5 bytes for 2x2 RGB (need 12)');
    expect(() => buildDetBatch([{ image, boxes: [0, 0, 1, 1], labels: [0], masks: new Uint8Array(3) }])).toThrow('buildDetBatch: image 0: masks hold 3 bytes, need 1 x 2 x 2');
  });
});
