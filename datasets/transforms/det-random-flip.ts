import type { Rng } from '../../core/rng.js';
import type { DetSample } from '../../core/types/data.js';
import { flipMasks, flipPlanes } from './mask-ops.js';
import type { DetTransform } from './transform.js';

/** mmdet 2.x RandomFlip: with probability flipRatio, mirror image, boxes (x' = w - x) and masks. */
export function detRandomFlip(flipRatio: number, direction: 'horizontal' | 'vertical' = 'horizontal'): DetTransform {
  return {
    name: 'RandomFlip',
    apply(s: DetSample, rng: Rng): DetSample {
      const flip = rng.next() < flipRatio;
      if (!flip) return { ...s, meta: { ...s.meta, flip: false, flipDirection: null } };
      return flipDetSample(s, direction);
    },
  };
}

export function flipDetSample(s: DetSample, direction: 'horizontal' | 'vertical'): DetSample {
  const { height: h, width: w, channels } = s.img;
  return {
    img: { ...s.img, data: flipPlanes(s.img.data, 1, h, w, channels, direction) },
    meta: { ...s.meta, flip: true, flipDirection: direction },
    gtBoxes: flipBoxes(s.gtBoxes, direction, w, h),
    gtLabels: s.gtLabels,
    gtBoxesIgnore: flipBoxes(s.gtBoxesIgnore, direction, w, h),
    gtMasks: s.gtMasks ? flipMasks(s.gtMasks, direction) : null,
  };
}

export function flipBoxes(b: Float32Array, direction: 'horizontal' | 'vertical', w: number, h: number): Float32Array {
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    if (direction === 'horizontal') {
      out[i] = w - b[i + 2]!;
      out[i + 1] = b[i + 1]!;
      out[i + 2] = w - b[i]!;
      out[i + 3] = b[i + 3]!;
    } else {
      out[i] = b[i]!;
      out[i + 1] = h - b[i + 3]!;
      out[i + 2] = b[i + 2]!;
      out[i + 3] = h - b[i + 1]!;
    }
  }
  return out;
}
