import type { Rng } from '../../core/rng.js';
import type { SegSample } from '../../core/types/data.js';
import { flipPlanes } from './mask-ops.js';
import type { SegTransform } from './transform.js';

/** mmseg 0.x RandomFlip(prob): mirror image and label map together. */
export function segRandomFlip(prob: number, direction: 'horizontal' | 'vertical' = 'horizontal'): SegTransform {
  return {
    name: 'RandomFlip',
    apply(s: SegSample, rng: Rng): SegSample {
      if (!(rng.next() < prob)) return { ...s, meta: { ...s.meta, flip: false, flipDirection: null } };
      const { height: h, width: w, channels } = s.img;
      return {
        img: { ...s.img, data: flipPlanes(s.img.data, 1, h, w, channels, direction) },
        meta: { ...s.meta, flip: true, flipDirection: direction },
        gtSemanticSeg: s.gtSemanticSeg ? flipPlanes(s.gtSemanticSeg, 1, h, w, 1, direction) : null,
      };
    },
  };
}
