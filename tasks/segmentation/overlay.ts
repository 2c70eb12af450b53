import type { HostImage } from '../../core/types/data.js';
import { ADE20K_PALETTE } from '../../datasets/ade20k/ade20k-classes.js';

/**
 * mmseg's show_result blend as RGB bytes: the image mixed with each pixel's class colour (class c takes
 * palette entry c mod the palette size). `mila seg-test --show-dir` writes it to files, the web page paints it.
 */
export function labelOverlayRgb(img: HostImage, labels: Uint8Array, opacity = 0.5, palette: readonly (readonly number[])[] = ADE20K_PALETTE): Uint8Array {
  if (!(img.data instanceof Uint8Array)) throw new Error('overlays need the uint8 image');
  const n = img.height * img.width;
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const color = palette[labels[p]! % palette.length]!;
    for (let k = 0; k < 3; k++) out[p * 3 + k] = Math.round(img.data[p * 3 + k]! * (1 - opacity) + color[k]! * opacity);
  }
  return out;
}
