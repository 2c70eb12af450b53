import { readFileSync } from 'node:fs';
import { decode, encode } from 'fast-png';
import { UserError } from '../errors.js';

/**
 * Label PNGs as mmseg reads them (pillow, flag 'unchanged'): the stored value of each pixel, the grey level
 * or the palette index, never a colour. fast-png's decoder returns palette images as indices (the palette
 * beside them), packed at 1/2/4 bits per pixel, which we unpack.
 *
 * In core because the datasets (ADE20K labels) and the mIoU evaluator (`mila seg-eval`) read the same files and
 * neither may import the other; `core/io/` holds such file codecs.
 */
export interface LabelImage {
  data: Uint8Array;
  height: number;
  width: number;
}

export function readLabelPngFile(path: string): LabelImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `label file not found: ${path}` : `cannot read label file ${path}: ${(err as Error).message}`);
  }
  try {
    return decodeLabelPng(buf);
  } catch (err) {
    throw new UserError(`cannot decode label PNG ${path}: ${(err as Error).message}`);
  }
}

/** Signature (8), IHDR length and type (8), width and height (8), then depth, colour type, compression, filter, interlace. */
const IHDR_DEPTH_OFFSET = 24;
const IHDR_INTERLACE_OFFSET = 28;

export function decodeLabelPng(buf: Uint8Array): LabelImage {
  // fast-png's Adam7 pass decoder assumes whole bytes per pixel: packed interlaced rows would come out wrong.
  const depthInHeader = buf[IHDR_DEPTH_OFFSET]!;
  if (depthInHeader < 8 && buf[IHDR_INTERLACE_OFFSET] === 1) {
    throw new Error(`interlaced ${depthInHeader}-bit PNG is not supported; save it non-interlaced or at 8 bits`);
  }
  const png = decode(buf);
  const { width, height, depth, channels } = png;
  const indexed = png.palette !== undefined;
  if (channels !== 1) {
    throw new Error(`${channels}-channel image (RGB/alpha); label maps must be 8-bit grayscale or palette PNGs`);
  }
  if (!indexed && depth !== 8) throw new Error(`${depth}-bit grayscale; label maps must be 8-bit`);
  if (depth === 8) {
    const d = png.data as Uint8Array;
    return { data: new Uint8Array(d.buffer, d.byteOffset, width * height), height, width };
  }
  return { data: unpackRows(png.data as Uint8Array, width, height, depth), height, width };
}

/** Palette indices stored at 1, 2 or 4 bits per pixel, most significant bits first, each row starting on a byte. */
function unpackRows(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = packed[y * rowBytes + Math.floor(x / perByte)]!;
      out[y * width + x] = (byte >> (8 - depth * ((x % perByte) + 1))) & mask;
    }
  }
  return out;
}

/** An 8-bit grayscale PNG of label values (what `mila seg-eval` and mmseg read back unchanged). */
export function encodeLabelPng(data: Uint8Array, height: number, width: number): Buffer {
  const png = encode({ width, height, data, depth: 8, channels: 1 });
  return Buffer.from(png.buffer, png.byteOffset, png.byteLength);
}
