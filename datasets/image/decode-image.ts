import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { UserError } from '../../core/errors.js';
import type { HostImage } from '../../core/types/data.js';

/**
 * Decode an image file to HWC RGB uint8 the way mmcv's LoadImageFromFile sees it: EXIF orientation
 * is ignored (COCO boxes refer to the stored pixel grid), grayscale/CMYK become RGB, alpha is dropped
 * (cv2.IMREAD_COLOR drops it without compositing). sharp decodes on libuv's thread pool, so callers
 * can overlap decoding with computation.
 */
export async function decodeImageFile(path: string): Promise<HostImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `image file not found: ${path}` : `cannot read image file ${path}: ${(err as Error).message}`);
  }
  return decodeImageBytes(bytes, path);
}

export async function decodeImageBytes(bytes: Buffer, nameForErrors: string): Promise<HostImage> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error' })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const rgb = info.channels === 3 ? data : expandToRgb(data, info.channels, info.width * info.height);
    return { data: new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length), height: info.height, width: info.width, channels: 3 };
  } catch (err) {
    throw new UserError(`cannot decode image ${nameForErrors}: ${firstLine((err as Error).message)}`);
  }
}

function expandToRgb(data: Uint8Array, channels: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const g = data[i * channels]!;
    out[i * 3] = g;
    out[i * 3 + 1] = channels >= 3 ? data[i * channels + 1]! : g;
    out[i * 3 + 2] = channels >= 3 ? data[i * channels + 2]! : g;
  }
  return out;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
