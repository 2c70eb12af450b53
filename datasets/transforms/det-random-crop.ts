import type { Rng } from '../../core/rng.js';
import type { DetSample } from '../../core/types/data.js';
import { cropMasks, cropPlanes, selectMasks } from './mask-ops.js';
import type { DetTransform } from './transform.js';

export interface DetRandomCropOptions {
  /** 'absolute': crop (h, w) = cropSize; 'absolute_range': h and w each drawn in [cropSize[0], cropSize[1]]. */
  cropType: 'absolute' | 'absolute_range';
  cropSize: [number, number];
  /** Keep a crop that contains no gt box (true in the MLLA 3x config); otherwise drop the sample. */
  allowNegativeCrop: boolean;
}

/**
 * mmdet 2.x RandomCrop (bbox_clip_border=True): boxes shifted and clipped to the crop, those left
 * with no area removed together with their labels and masks; ignore boxes likewise.
 */
export function detRandomCrop(opts: DetRandomCropOptions): DetTransform {
  if (opts.cropType === 'absolute_range' && opts.cropSize[0] > opts.cropSize[1]) throw new Error('RandomCrop absolute_range needs cropSize[0] <= cropSize[1]');
  return {
    name: 'RandomCrop',
    apply(s: DetSample, rng: Rng): DetSample | null {
      const { height: h, width: w, channels } = s.img;
      let ch: number;
      let cw: number;
      if (opts.cropType === 'absolute') {
        ch = Math.min(opts.cropSize[0], h);
        cw = Math.min(opts.cropSize[1], w);
      } else {
        ch = rng.int(Math.min(h, opts.cropSize[0]), Math.min(h, opts.cropSize[1]) + 1);
        cw = rng.int(Math.min(w, opts.cropSize[0]), Math.min(w, opts.cropSize[1]) + 1);
      }
      const offH = rng.int(0, Math.max(h - ch, 0) + 1);
      const offW = rng.int(0, Math.max(w - cw, 0) + 1);
      // numpy slicing clips the window at the image edge.
      const y2 = Math.min(offH + ch, h);
      const x2 = Math.min(offW + cw, w);
      const newH = y2 - offH;
      const newW = x2 - offW;

      const boxes = shiftClip(s.gtBoxes, offW, offH, newW, newH);
      const keep = validIndices(boxes);
      if (keep.length === 0 && !opts.allowNegativeCrop) return null;
      const ign = shiftClip(s.gtBoxesIgnore, offW, offH, newW, newH);
      const keepIgn = validIndices(ign);

      let masks = s.gtMasks;
      if (masks) masks = cropMasks(selectMasks(masks, keep), offW, offH, newW, newH);
      return {
        img: { data: cropPlanes(s.img.data, 1, h, w, channels, offW, offH, newW, newH), height: newH, width: newW, channels },
        meta: { ...s.meta, imgShape: [newH, newW], padShape: [newH, newW] },
        gtBoxes: pick(boxes, keep),
        gtLabels: Int32Array.from(keep, (i) => s.gtLabels[i]!),
        gtBoxesIgnore: pick(ign, keepIgn),
        gtMasks: masks,
      };
    },
  };
}

function shiftClip(b: Float32Array, dx: number, dy: number, w: number, h: number): Float32Array {
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    out[i] = Math.min(Math.max(b[i]! - dx, 0), w);
    out[i + 1] = Math.min(Math.max(b[i + 1]! - dy, 0), h);
    out[i + 2] = Math.min(Math.max(b[i + 2]! - dx, 0), w);
    out[i + 3] = Math.min(Math.max(b[i + 3]! - dy, 0), h);
  }
  return out;
}

function validIndices(b: Float32Array): number[] {
  const keep: number[] = [];
  for (let i = 0; i < b.length / 4; i++) if (b[i * 4 + 2]! > b[i * 4]! && b[i * 4 + 3]! > b[i * 4 + 1]!) keep.push(i);
  return keep;
}

function pick(b: Float32Array, keep: number[]): Float32Array {
  const out = new Float32Array(keep.length * 4);
  keep.forEach((k, i) => out.set(b.subarray(k * 4, k * 4 + 4), i * 4));
  return out;
}
