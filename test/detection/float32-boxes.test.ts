/**
 * Box decisions made in float32 as torch makes them. Every expected value here was computed by torch 1.13 with the
 * official mmdet 2.25 / mmcv 1.6.2 code (scripts/reference/README.md says how); none comes from our code.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { boxOverlaps } from '../../core/boxes/box-overlaps.js';
import { MaxIoUAssigner } from '../../core/boxes/max-iou-assigner.js';
import { batchedNms, nms } from '../../core/boxes/nms.js';
import { argsortDescending } from '../../core/boxes/torch-sort.js';

describe("argsortDescending is torch's CPU sort(descending=True), ties included", () => {
  const cases = JSON.parse(readFileSync(new URL('./fixtures/torch-sort.json', import.meta.url), 'utf8')) as { name: string; values: number[]; order: number[] }[];
  for (const c of cases) {
    it(c.name, () => {
      expect(Array.from(argsortDescending(Float32Array.from(c.values)))).toEqual(c.order);
    });
  }
  it('the cases have ties a stable sort orders differently (they would pass for the wrong reason otherwise)', () => {
    const big = cases.filter((c) => c.values.length > 16);
    for (const c of big) {
      const stable = Array.from(c.values.keys()).sort((a, b) => c.values[b]! - c.values[a]! || a - b);
      expect(stable, c.name).not.toEqual(c.order);
    }
  });
});

describe('float32 IoU ties and the low-quality match (torch: 13 tied anchors, doubles find 8)', () => {
  // A gt and the 24 anchors (strides 4..64, ratios 0.5/1/2, scale 8) with the highest IoU with it. In float32 the
  // best IoU 0.42948025 is reached by 13 of them; computing in doubles and rounding at the end gives 8.
  const gt = Float32Array.of(26.206161499023438, 12.192573547363281, 43.855831146240234, 37.11019515991211);
  const anchors = Float32Array.from(
    [
      [20.686290740966797, -6.627416610717773, 43.3137092590332, 38.627418518066406],
      [24.686290740966797, -6.627416610717773, 47.3137092590332, 38.627418518066406],
      [12, 4, 44, 36],
      [16, 4, 48, 36],
      [20.686290740966797, -2.6274166107177734, 43.3137092590332, 42.627418518066406],
      [20, 4, 52, 36],
      [24.686290740966797, -2.6274166107177734, 47.3137092590332, 42.627418518066406],
      [24, 4, 56, 36],
      [12, 8, 44, 40],
      [16, 8, 48, 40],
      [20.686290740966797, 1.3725833892822266, 43.3137092590332, 46.627418518066406],
      [20, 8, 52, 40],
      [24.686290740966797, 1.3725833892822266, 47.3137092590332, 46.627418518066406],
      [24, 8, 56, 40],
      [12, 12, 44, 44],
      [16, 12, 48, 44],
      [20.686290740966797, 5.372583389282227, 43.3137092590332, 50.627418518066406],
      [20, 12, 52, 44],
      [24.686290740966797, 5.372583389282227, 47.3137092590332, 50.627418518066406],
      [24, 12, 56, 44],
      [20.686290740966797, 9.372583389282227, 43.3137092590332, 54.627418518066406],
      [24.686290740966797, 9.372583389282227, 47.3137092590332, 54.627418518066406],
      [20.686290740966797, 13.372583389282227, 43.3137092590332, 58.627418518066406],
      [24.686290740966797, 13.372583389282227, 47.3137092590332, 58.627418518066406],
    ].flat(),
  );
  // bbox_overlaps(gt, anchors), float32 values printed exactly
  const torchIous = [
    0.410868376493454, 0.42948025465011597, 0.4026402533054352, 0.4026402533054352, 0.410868376493454, 0.4026402533054352, 0.42948025465011597, 0.4026402533054352,
    0.42948025465011597, 0.42948025465011597, 0.410868376493454, 0.42948025465011597, 0.42948025465011597, 0.42948025465011597, 0.42948025465011597,
    0.42948025465011597, 0.410868376493454, 0.42948025465011597, 0.42948025465011597, 0.42948025465011597, 0.410868376493454, 0.42948025465011597,
    0.3839406371116638, 0.40098604559898376,
  ];
  const torchGtInds = [-1, 1, -1, -1, -1, -1, 1, -1, 1, 1, -1, 1, 1, 1, 1, 1, -1, 1, 1, 1, -1, 1, -1, -1];

  it('IoUs equal bbox_overlaps bit for bit', () => {
    const ious = boxOverlaps(gt, anchors);
    expect(Array.from(ious)).toEqual(torchIous);
    const best = Math.max(...ious);
    expect(ious.filter((v) => v === best).length).toBe(13);
  });

  it('MaxIoUAssigner(0.7, 0.3, min_pos_iou 0.3) keeps every tied anchor as MaxIoUAssigner.assign does', () => {
    const r = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, minPosIou: 0.3, matchLowQuality: true }).assign(anchors, gt);
    expect(Array.from(r.gtInds)).toEqual(torchGtInds);
  });

  it('thresholds are float32: an IoU of exactly float32(0.7) is positive for pos_iou_thr 0.7', () => {
    // inter 7, union 10: the IoU is float32(0.7) = 0.69999998..., below the double 0.7; torch compares in float32.
    const r = new MaxIoUAssigner({ posIouThr: 0.7, negIouThr: 0.3, matchLowQuality: false }).assign([0, 0, 7, 1, 0, 0, 2, 1], [0, 0, 10, 1]);
    expect(Array.from(r.gtInds)).toEqual([1, 0]);
    expect(r.maxOverlaps[0]).toBe(Math.fround(0.7));
  });
});

describe('NMS visits equal scores in torch sort order (mmcv nms / batched_nms)', () => {
  // 20 boxes of score 0.5; boxes 2k and 2k + 1 overlap with IoU 0.9, pairs are far apart.
  const boxes: number[] = [];
  for (let k = 0; k < 10; k++) boxes.push(30 * k, 0, 30 * k + 10, 10, 30 * k, 0, 30 * k + 9, 10);
  const scores = new Float32Array(20).fill(0.5);

  it('nms keeps the box of each pair that torch visits first', () => {
    expect(Array.from(nms(boxes, scores, 0.7))).toEqual([10, 19, 17, 15, 13, 0, 9, 7, 5, 3]);
  });

  it('batched_nms at or above split_thr: per-group NMS, kept boxes ranked by torch sort of their scores', () => {
    expect(Array.from(batchedNms(boxes, scores, new Int32Array(20), { iouThreshold: 0.7, splitThr: 5 }).keep)).toEqual([0, 3, 5, 7, 9, 10, 13, 15, 17, 19]);
  });
});
