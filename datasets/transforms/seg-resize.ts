import type { Rng } from '../../core/rng.js';
import type { SegSample } from '../../core/types/data.js';
import { resizeBilinearU8 } from '../image/resize-bilinear.js';
import { resizeNearestPlanesU8 } from '../image/resize-nearest.js';
import { rescaleSize } from './rescale-size.js';
import type { SegTransform } from './transform.js';

export interface SegResizeOptions {
  /** (long, short), e.g. [2048, 512]. */
  imgScale: [number, number];
  /** mmseg ratio_range: scale = (int(long * r), int(short * r)) with r uniform in the range. */
  ratioRange?: [number, number];
}

/** mmseg 0.x Resize with keep_ratio: bilinear image, nearest label map, same new size for both. */
export function segResize(opts: SegResizeOptions): SegTransform {
  return {
    name: 'Resize',
    apply(s: SegSample, rng: Rng): SegSample {
      let scale = opts.imgScale;
      if (opts.ratioRange) {
        const [lo, hi] = opts.ratioRange;
        const r = rng.next() * (hi - lo) + lo;
        scale = [Math.trunc(opts.imgScale[0] * r), Math.trunc(opts.imgScale[1] * r)];
      }
      const { height: h, width: w, channels } = s.img;
      const [newW, newH] = rescaleSize(w, h, scale);
      if (!(s.img.data instanceof Uint8Array)) throw new Error('Resize expects a uint8 image (put Normalize after it)');
      const ws = Math.fround(newW / w);
      const hs = Math.fround(newH / h);
      const prev = s.meta.scaleFactor;
      return {
        img: { data: resizeBilinearU8(s.img.data, h, w, channels, newH, newW), height: newH, width: newW, channels },
        meta: {
          ...s.meta,
          imgShape: [newH, newW],
          padShape: [newH, newW],
          scaleFactor: [Math.fround(prev[0] * ws), Math.fround(prev[1] * hs), Math.fround(prev[2] * ws), Math.fround(prev[3] * hs)],
        },
        gtSemanticSeg: s.gtSemanticSeg ? resizeNearestPlanesU8(s.gtSemanticSeg, 1, h, w, newH, newW) : null,
      };
    },
  };
}
