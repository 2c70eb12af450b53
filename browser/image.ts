import type { HostImage } from '../core/types/data.js';

/**
 * An RGB uint8 image from RGBA pixels (a canvas' ImageData, `{ data, width, height }`), alpha dropped as
 * sharp's RGB decode in Node drops it for opaque images. Decode lossless files (PNG) for results equal to Node's:
 * browsers' JPEG decoders may differ from libjpeg-turbo's in the last bit.
 */
export function rgbaToImage(rgba: { data: ArrayLike<number>; width: number; height: number }): HostImage {
  const { width, height } = rgba;
  const n = width * height;
  if (rgba.data.length !== n * 4) throw new Error(`rgbaToImage: ${rgba.data.length} bytes for ${width}x${height} RGBA`);
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    data[3 * p] = rgba.data[4 * p]!;
    data[3 * p + 1] = rgba.data[4 * p + 1]!;
    data[3 * p + 2] = rgba.data[4 * p + 2]!;
  }
  return { data, height, width, channels: 3 };
}
