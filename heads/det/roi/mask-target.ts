import type { BitmapMasks } from '../../../core/types/data.js';
import { axisSample, roiGeometry, samplePositions } from './roi-align-weights.js';

const f32 = Math.fround;

/**
 * mmdet 2.x mask_target for one image: each positive proposal, clipped to the mask canvas, crops the gt mask
 * of its assigned gt and resizes it to size x size the way BitmapMasks.crop_and_resize does (RoIAlign with
 * aligned=True, adaptive sampling, scale 1 on the binary mask), then binarises at >= 0.5.
 * Returns p * size * size values of 0 / 1.
 *
 * The RoIAlign here is mmcv's CPU kernel loop in float32, sample by sample in its order, not the separable
 * double form the feature path uses: the result is thresholded, so a bin averaging to 0.5 +- 1 ulp must come
 * out on the side torch puts it.
 */
export function maskTargets(posProposals: Float32Array, posAssignedGtInds: Int32Array, gtMasks: BitmapMasks, size = 28): Float32Array {
  const p = posAssignedGtInds.length;
  if (posProposals.length !== p * 4) throw new Error(`heads/det/roi/mask-target: ${posProposals.length / 4} proposals for ${p} assigned gt indices`);
  const out = new Float32Array(p * size * size);
  const { height: mh, width: mw, count } = gtMasks;
  const plane = mh * mw;
  const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  for (let i = 0; i < p; i++) {
    const g = posAssignedGtInds[i]!;
    if (g < 0 || g >= count) throw new Error(`heads/det/roi/mask-target: positive ${i} is assigned gt ${g}, but there are ${count} gt masks`);
    const roi = [0, clip(posProposals[i * 4]!, mw), clip(posProposals[i * 4 + 1]!, mh), clip(posProposals[i * 4 + 2]!, mw), clip(posProposals[i * 4 + 3]!, mh)];
    const mask = gtMasks.data.subarray(g * plane, (g + 1) * plane);
    roiAlignMaskFloat32(mask, mh, mw, roi, size, out, i * size * size);
  }
  for (let k = 0; k < out.length; k++) out[k] = out[k]! >= 0.5 ? 1 : 0;
  return out;
}

/** mmcv roi_align.cpp (avg, aligned, sampling_ratio 0, scale 1) on one single-channel map, float32 throughout. */
function roiAlignMaskFloat32(map: ArrayLike<number>, height: number, width: number, roi: number[], size: number, out: Float32Array, offset: number): void {
  const { x1, y1, w, h } = roiGeometry(roi, 0, 1, true);
  const binH = f32(h / size);
  const binW = f32(w / size);
  const gridH = Math.ceil(binH);
  const gridW = Math.ceil(binW);
  const count = Math.max(gridH * gridW, 1);
  const ys = Array.from(samplePositions(y1, binH, gridH, size), (y) => axisSample(y, height));
  const xs = Array.from(samplePositions(x1, binW, gridW, size), (x) => axisSample(x, width));
  for (let ph = 0; ph < size; ph++) {
    for (let pw = 0; pw < size; pw++) {
      let acc = 0;
      for (let iy = 0; iy < gridH; iy++) {
        const sy = ys[ph * gridH + iy];
        for (let ix = 0; ix < gridW; ix++) {
          const sx = xs[pw * gridW + ix];
          if (!sy || !sx) continue; // the kernel adds 0 for such samples
          const rLo = sy.low * width;
          const rHi = sy.high * width;
          const t1 = f32(f32(sy.lowWeight * sx.lowWeight) * map[rLo + sx.low]!);
          const t2 = f32(f32(sy.lowWeight * sx.highWeight) * map[rLo + sx.high]!);
          const t3 = f32(f32(sy.highWeight * sx.lowWeight) * map[rHi + sx.low]!);
          const t4 = f32(f32(sy.highWeight * sx.highWeight) * map[rHi + sx.high]!);
          acc = f32(acc + f32(f32(f32(t1 + t2) + t3) + t4));
        }
      }
      out[offset + ph * size + pw] = f32(acc / count);
    }
  }
}
