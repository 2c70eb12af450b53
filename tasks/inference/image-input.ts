import { UserError } from '../../core/errors.js';
import type { HostImage } from '../../core/types/data.js';
import { decodeImageBytes, decodeImageFile } from '../../datasets/image/decode-image.js';

/** Raw pixels, row-major: RGB (3 channels, the default) or RGBA (4; alpha is dropped, as for files). */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: 3 | 4;
}

/** What `predict` takes: an image file's path, the bytes of an encoded image (JPEG, PNG, WebP, ...), or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** An input as the RGB uint8 image the test pipelines start from, and a name for messages. */
export async function decodeImageInput(input: ImageInput): Promise<{ image: HostImage; name: string }> {
  if (typeof input === 'string') return { image: await decodeImageFile(input), name: input };
  if (input instanceof Uint8Array) {
    return { image: await decodeImageBytes(Buffer.from(input.buffer, input.byteOffset, input.byteLength), 'image bytes'), name: 'image bytes' };
  }
  if (isRawImage(input)) return { image: rawToRgb(input), name: 'raw image' };
  throw new UserError('an image must be a file path, the bytes of an encoded image, or { data, width, height } of RGB pixels');
}

function isRawImage(x: unknown): x is RawImage {
  return typeof x === 'object' && x !== null && 'data' in x && 'width' in x && 'height' in x;
}

function rawToRgb(raw: RawImage): HostImage {
  const { width, height } = raw;
  const channels = raw.channels ?? 3;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new UserError(`raw image: width and height must be positive integers, got ${width}x${height}`);
  }
  if (channels !== 3 && channels !== 4) throw new UserError(`raw image: channels must be 3 (RGB) or 4 (RGBA), got ${channels}`);
  if (!(raw.data instanceof Uint8Array || raw.data instanceof Uint8ClampedArray)) throw new UserError('raw image: data must be a Uint8Array of 0..255 values');
  if (raw.data.length !== width * height * channels) {
    throw new UserError(`raw image: ${raw.data.length} bytes for ${width}x${height}x${channels} (need ${width * height * channels})`);
  }
  const bytes = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
  if (channels === 3) return { data: bytes.slice(), width, height, channels: 3 };
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) rgb.set(bytes.subarray(p * 4, p * 4 + 3), p * 3);
  return { data: rgb, width, height, channels: 3 };
}
