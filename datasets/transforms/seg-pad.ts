import type { SegSample } from '../../core/types/data.js';
import { padPlanes } from './mask-ops.js';
import { padTarget, type PadOptions } from './det-pad.js';
import type { SegTransform } from './transform.js';

/** mmseg 0.x Pad: image padded with padVal (0), label map with segPadVal (255), bottom/right. */
export function segPad(opts: PadOptions & { padVal?: number; segPadVal?: number }): SegTransform {
  return {
    name: 'Pad',
    apply(s: SegSample): SegSample {
      const { height: h, width: w, channels } = s.img;
      const [ph, pw] = padTarget(h, w, opts);
      return {
        img: { data: padPlanes(s.img.data, 1, h, w, channels, ph, pw, opts.padVal ?? 0), height: ph, width: pw, channels },
        meta: { ...s.meta, padShape: [ph, pw] },
        gtSemanticSeg: s.gtSemanticSeg ? padPlanes(s.gtSemanticSeg, 1, h, w, 1, ph, pw, opts.segPadVal ?? 255) : null,
      };
    },
  };
}
