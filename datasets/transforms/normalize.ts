import type { HostImage } from '../../core/types/data.js';

export const IMAGENET_MEAN_RGB = [123.675, 116.28, 103.53] as const;
export const IMAGENET_STD_RGB = [58.395, 57.12, 57.375] as const;

/**
 * mmcv.imnormalize on an RGB image (our images are RGB from decoding, so mmcv's to_rgb=True is
 * already satisfied): float32 (v - mean) * (1 / std).
 */
export function normalizeImage(img: HostImage, mean: readonly number[], std: readonly number[]): HostImage {
  const cn = img.channels;
  const out = new Float32Array(img.data.length);
  for (let k = 0; k < cn; k++) {
    if (img.data instanceof Uint8Array) normalizeChannelU8(img.data, out, k, cn, mean[k]!, 1 / std[k]!);
    else normalizeChannelF32(img.data, out, k, cn, mean[k]!, 1 / std[k]!);
  }
  return { data: out, height: img.height, width: img.width, channels: cn };
}

// Separate monomorphic loops: V8 keeps each tight when it sees one array type.
function normalizeChannelU8(src: Uint8Array, out: Float32Array, k: number, cn: number, m: number, inv: number): void {
  for (let i = k; i < src.length; i += cn) out[i] = (src[i]! - m) * inv;
}

function normalizeChannelF32(src: Float32Array, out: Float32Array, k: number, cn: number, m: number, inv: number): void {
  for (let i = k; i < src.length; i += cn) out[i] = (src[i]! - m) * inv;
}
