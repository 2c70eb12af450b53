import type { HostImage } from '../types.js';

export const IMAGENET_MEAN_RGB = [123.675, 116.28, 103.53] as const;
export const IMAGENET_STD_RGB = [58.395, 57.12, 57.375] as const;

/**
 * mmcv.imnormalize on an RGB image (our images are RGB from decoding, so mmcv's to_rgb=True is
 * already satisfied): float32 (v - mean) * (1 / std).
 */
export function normalizeImage(img: HostImage, mean: readonly number[], std: readonly number[]): HostImage {
  const cn = img.channels;
  const inv = std.map((s) => 1 / s);
  const out = new Float32Array(img.data.length);
  const src = img.data;
  for (let i = 0; i < src.length; i += cn) {
    for (let k = 0; k < cn; k++) out[i + k] = (src[i + k]! - mean[k]!) * inv[k]!;
  }
  return { data: out, height: img.height, width: img.width, channels: cn };
}
