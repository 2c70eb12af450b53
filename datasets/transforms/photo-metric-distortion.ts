import type { Rng } from '../../core/rng.js';
import type { SegSample } from '../../core/types/data.js';
import { hsvToRgbU8InPlace, rgbToHsvU8InPlace } from './hsv-u8.js';
import type { SegTransform } from './transform.js';

export interface PhotoMetricDistortionOptions {
  brightnessDelta?: number;
  contrastRange?: [number, number];
  saturationRange?: [number, number];
  hueDelta?: number;
}

/**
 * mmseg 0.x PhotoMetricDistortion on a uint8 image, in its order: brightness (p=0.5), then a coin
 * for whether contrast comes first or last, saturation (p=0.5), hue (p=0.5), contrast (p=0.5).
 * Each step is uint8 -> float32 affine -> clip -> truncate to uint8, as mmseg's `convert`.
 */
export function photoMetricDistortion(opts: PhotoMetricDistortionOptions = {}): SegTransform {
  const bDelta = opts.brightnessDelta ?? 32;
  const [cLo, cHi] = opts.contrastRange ?? [0.5, 1.5];
  const [sLo, sHi] = opts.saturationRange ?? [0.5, 1.5];
  const hDelta = opts.hueDelta ?? 18;
  return {
    name: 'PhotoMetricDistortion',
    apply(s: SegSample, rng: Rng): SegSample {
      if (!(s.img.data instanceof Uint8Array)) throw new Error('PhotoMetricDistortion expects a uint8 image (put Normalize after it)');
      const px = s.img.data.slice();
      if (rng.int(0, 2)) affineU8(px, 1, rng.uniform(-bDelta, bDelta), 0, 1);
      const contrastFirst = rng.int(0, 2) === 1;
      if (contrastFirst && rng.int(0, 2)) affineU8(px, rng.uniform(cLo, cHi), 0, 0, 1);
      if (rng.int(0, 2)) {
        const alpha = rng.uniform(sLo, sHi);
        rgbToHsvU8InPlace(px);
        affineU8(px, alpha, 0, 1, 3);
        hsvToRgbU8InPlace(px, s.img.width);
      }
      if (rng.int(0, 2)) {
        const delta = rng.int(-hDelta, hDelta);
        rgbToHsvU8InPlace(px);
        for (let i = 0; i < px.length; i += 3) px[i] = (((px[i]! + delta) % 180) + 180) % 180;
        hsvToRgbU8InPlace(px, s.img.width);
      }
      if (!contrastFirst && rng.int(0, 2)) affineU8(px, rng.uniform(cLo, cHi), 0, 0, 1);
      return { ...s, img: { ...s.img, data: px } };
    },
  };
}

/** v = trunc(clip(float32(v) * alpha + beta, 0, 255)) on every `stride`-th value from `start`. */
function affineU8(px: Uint8Array, alpha: number, beta: number, start: number, stride: number): void {
  const a = Math.fround(alpha);
  const b = Math.fround(beta);
  for (let i = start; i < px.length; i += stride) {
    const v = Math.fround(Math.fround(px[i]! * a) + b);
    px[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
}
