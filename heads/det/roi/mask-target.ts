import type { BitmapMasks } from '../../../core/types/data.js';
import { roiAlignHostSingle, roiAlignWeights } from './roi-align-weights.js';

/**
 * mmdet 2.x mask_target for one image: each positive proposal, clipped to the mask canvas, crops the gt mask
 * of its assigned gt and resizes it to size x size the way BitmapMasks.crop_and_resize does (RoIAlign with
 * aligned=True, adaptive sampling, scale 1 on the binary mask), then binarises at >= 0.5.
 * Returns p * size * size values of 0 / 1.
 */
export function maskTargets(posProposals: Float32Array, posAssignedGtInds: Int32Array, gtMasks: BitmapMasks, size = 28): Float32Array {
  const p = posAssignedGtInds.length;
  if (posProposals.length !== p * 4) throw new Error(`heads/det/roi/mask-target: ${posProposals.length / 4} proposals for ${p} assigned gt indices`);
  const out = new Float32Array(p * size * size);
  const { height: mh, width: mw, count } = gtMasks;
  const plane = mh * mw;
  for (let i = 0; i < p; i++) {
    const g = posAssignedGtInds[i]!;
    if (g < 0 || g >= count) throw new Error(`heads/det/roi/mask-target: positive ${i} is assigned gt ${g}, but there are ${count} gt masks`);
    const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    const roi = [0, clip(posProposals[i * 4]!, mw), clip(posProposals[i * 4 + 1]!, mh), clip(posProposals[i * 4 + 2]!, mw), clip(posProposals[i * 4 + 3]!, mh)];
    const [w] = roiAlignWeights(roi, mh, mw, { outSize: [size, size], spatialScale: 1, samplingRatio: 0, aligned: true });
    const mask = gtMasks.data.subarray(g * plane, (g + 1) * plane);
    roiAlignHostSingle(mask, mw, w!, [size, size], out, i * size * size);
  }
  for (let k = 0; k < out.length; k++) out[k] = out[k]! >= 0.5 ? 1 : 0;
  return out;
}
