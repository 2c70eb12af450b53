import type { DetSample } from '../../core/types/data.js';
import { padMasks, padPlanes } from './mask-ops.js';
import type { DetTransform } from './transform.js';

export interface PadOptions {
  /** Pad height and width up to a multiple of this (mmdet size_divisor=32). */
  sizeDivisor?: number;
  /** Or pad to exactly [height, width]. */
  size?: [number, number];
}

export function padTarget(h: number, w: number, opts: PadOptions): [number, number] {
  if (opts.size) return opts.size;
  const d = opts.sizeDivisor ?? 1;
  return [Math.ceil(h / d) * d, Math.ceil(w / d) * d];
}

/** mmdet 2.x Pad: zeros at the bottom/right of the image and masks; boxes unchanged. */
export function detPad(opts: PadOptions): DetTransform {
  return {
    name: 'Pad',
    apply(s: DetSample): DetSample {
      const { height: h, width: w, channels } = s.img;
      const [ph, pw] = padTarget(h, w, opts);
      return {
        ...s,
        img: { data: padPlanes(s.img.data, 1, h, w, channels, ph, pw, 0), height: ph, width: pw, channels },
        meta: { ...s.meta, padShape: [ph, pw] },
        gtMasks: s.gtMasks ? padMasks(s.gtMasks, ph, pw) : null,
      };
    },
  };
}
