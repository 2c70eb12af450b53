import type { Rng } from '../../core/rng.js';
import type { DetSample } from '../../core/types/data.js';
import { resizeBilinearU8 } from '../image/resize-bilinear.js';
import { rescaleSize } from './rescale-size.js';
import { resizeMasks } from './mask-ops.js';
import type { DetTransform } from './transform.js';

export interface DetResizeOptions {
  /** One or more (long, short) scales, e.g. [[1333, 800]]; with keepRatio false, (w, h). */
  imgScale: [number, number][];
  /** 'value': pick one of imgScale; 'range': long/short edges drawn between two scales (mmdet). */
  multiscaleMode?: 'value' | 'range';
  keepRatio?: boolean;
  /**
   * mmdet's `override`: this Resize may run on a sample an earlier Resize already resized (the MLLA crop
   * policy's second Resize). Pipelines check it when they are built (build-pipeline.ts); the transform itself
   * always does what mmdet does in both cases.
   */
  override?: boolean;
}

/**
 * mmdet 2.x Resize: bilinear image (cv2 semantics), nearest masks, boxes times the float32
 * scale factor and clipped to the new image. The meta's scale factor is this resize's own
 * (new size / size before it), as mmdet sets `scale_factor` on every Resize: after the MLLA crop policy's
 * resize -> crop -> resize(override) it is the last resize's factor, not a product with the first.
 */
export function detResize(opts: DetResizeOptions): DetTransform {
  const keepRatio = opts.keepRatio ?? true;
  if (opts.imgScale.length === 0) throw new Error('Resize needs at least one imgScale');
  return {
    name: 'Resize',
    apply(s: DetSample, rng: Rng): DetSample {
      const scale = chooseScale(opts.imgScale, opts.multiscaleMode ?? 'value', rng);
      const { height: h, width: w } = s.img;
      const [newW, newH] = keepRatio ? rescaleSize(w, h, scale) : scale;
      if (!(s.img.data instanceof Uint8Array)) throw new Error('Resize expects a uint8 image (put Normalize after it)');
      const data = resizeBilinearU8(s.img.data, h, w, s.img.channels, newH, newW);
      const ws = Math.fround(newW / w);
      const hs = Math.fround(newH / h);
      return {
        img: { data, height: newH, width: newW, channels: s.img.channels },
        meta: { ...s.meta, imgShape: [newH, newW], padShape: [newH, newW], scaleFactor: [ws, hs, ws, hs] },
        gtBoxes: scaleBoxes(s.gtBoxes, ws, hs, newW, newH),
        gtLabels: s.gtLabels,
        gtBoxesIgnore: scaleBoxes(s.gtBoxesIgnore, ws, hs, newW, newH),
        gtMasks: s.gtMasks ? resizeMasks(s.gtMasks, newH, newW) : null,
      };
    },
  };
}

/** mmdet's random_select / random_sample over (long, short) scales. */
export function chooseScale(scales: [number, number][], mode: 'value' | 'range', rng: Rng): [number, number] {
  if (scales.length === 1) return scales[0]!;
  if (mode === 'value') return scales[rng.int(0, scales.length)]!;
  const longs = scales.map((s) => Math.max(s[0], s[1]));
  const shorts = scales.map((s) => Math.min(s[0], s[1]));
  const long = rng.int(Math.min(...longs), Math.max(...longs) + 1);
  const short = rng.int(Math.min(...shorts), Math.max(...shorts) + 1);
  return [long, short];
}

function scaleBoxes(b: Float32Array, ws: number, hs: number, w: number, h: number): Float32Array {
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    out[i] = clip(b[i]! * ws, w);
    out[i + 1] = clip(b[i + 1]! * hs, h);
    out[i + 2] = clip(b[i + 2]! * ws, w);
    out[i + 3] = clip(b[i + 3]! * hs, h);
  }
  return out;
}

function clip(v: number, hi: number): number {
  return v < 0 ? 0 : v > hi ? hi : v;
}
