import type { Rng } from '../../core/rng.js';
import type { SegSample } from '../../core/types/data.js';
import { cropPlanes } from './mask-ops.js';
import type { SegTransform } from './transform.js';

export interface SegRandomCropOptions {
  /** [height, width]. */
  cropSize: [number, number];
  /** Retry (up to 10 times) crops where one class covers at least this share of the labelled pixels. */
  catMaxRatio?: number;
  ignoreIndex?: number;
}

/** mmseg 0.x RandomCrop with cat_max_ratio. */
export function segRandomCrop(opts: SegRandomCropOptions): SegTransform {
  const catMaxRatio = opts.catMaxRatio ?? 1;
  const ignore = opts.ignoreIndex ?? 255;
  const [cropH, cropW] = opts.cropSize;
  return {
    name: 'RandomCrop',
    apply(s: SegSample, rng: Rng): SegSample {
      const { height: h, width: w, channels } = s.img;
      const draw = (): [number, number] => [rng.int(0, Math.max(h - cropH, 0) + 1), rng.int(0, Math.max(w - cropW, 0) + 1)];
      let [y1, x1] = draw();
      const ch = Math.min(cropH, h - y1);
      const cw = Math.min(cropW, w - x1);
      if (catMaxRatio < 1 && s.gtSemanticSeg) {
        for (let attempt = 0; attempt < 10; attempt++) {
          if (cropIsMixed(s.gtSemanticSeg, w, x1, y1, cw, ch, catMaxRatio, ignore)) break;
          [y1, x1] = draw();
        }
      }
      return {
        img: { data: cropPlanes(s.img.data, 1, h, w, channels, x1, y1, cw, ch), height: ch, width: cw, channels },
        meta: { ...s.meta, imgShape: [ch, cw], padShape: [ch, cw] },
        gtSemanticSeg: s.gtSemanticSeg ? cropPlanes(s.gtSemanticSeg, 1, h, w, 1, x1, y1, cw, ch) : null,
      };
    },
  };
}

/** More than one labelled class, and none reaching catMaxRatio of the labelled pixels. */
function cropIsMixed(seg: Uint8Array, w: number, x1: number, y1: number, cw: number, ch: number, catMaxRatio: number, ignore: number): boolean {
  const counts = new Float64Array(256);
  for (let y = y1; y < y1 + ch; y++) {
    const row = y * w;
    for (let x = x1; x < x1 + cw; x++) counts[seg[row + x]!]!++;
  }
  counts[ignore] = 0;
  let classes = 0;
  let total = 0;
  let max = 0;
  for (let c = 0; c < 256; c++) {
    const n = counts[c]!;
    if (n > 0) {
      classes++;
      total += n;
      if (n > max) max = n;
    }
  }
  return classes > 1 && max / total < catMaxRatio;
}
