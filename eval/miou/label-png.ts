/** Label maps stored as PNG files: one class value per pixel (grayscale of any depth, or palette indices). */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';

export interface LabelMap {
  data: Uint8Array | Uint16Array;
  height: number;
  width: number;
}

interface DecodedPng {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  palette?: number[][];
  data: Uint8Array | Uint16Array;
}

/**
 * Read a label PNG as mmcv.imread(flag='unchanged', backend='pillow') sees it: the stored value of
 * each pixel (grey level at its own bit depth, or the palette index of a palette image), never a colour.
 */
export function readLabelPng(file: string): LabelMap {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code})`}`);
  }
  let png: DecodedPng;
  try {
    // skipRescale keeps raw values for depths other than 8 (16-bit labels stay 16-bit).
    png = PNG.sync.read(buf, { skipRescale: true }) as unknown as DecodedPng;
  } catch (err) {
    throw new Error(`${file}: not a readable PNG (${(err as Error).message})`);
  }
  const { width, height, colorType } = png;
  const n = width * height;
  const src = png.data;
  const out = png.depth === 16 ? new Uint16Array(n) : new Uint8Array(n);
  // pngjs expands every pixel to 4 channels (RGBA).
  if (colorType === 3) {
    // pngjs expands palette images to colours; map each colour back to its (first) palette index.
    const index = new Map<number, number>();
    (png.palette ?? []).forEach((c, i) => {
      const key = ((c[0]! * 256 + c[1]!) * 256 + c[2]!) * 256 + (c[3] ?? 255);
      if (!index.has(key)) index.set(key, i);
    });
    for (let i = 0; i < n; i++) {
      const key = ((src[i * 4]! * 256 + src[i * 4 + 1]!) * 256 + src[i * 4 + 2]!) * 256 + src[i * 4 + 3]!;
      out[i] = index.get(key) ?? 0;
    }
    return { data: out, height, width };
  }
  if (colorType === 2 || colorType === 6) {
    throw new Error(`${file}: colour PNG; label maps must be single-channel class indices (grayscale or palette)`);
  }
  for (let i = 0; i < n; i++) out[i] = src[i * 4]!;
  return { data: out, height, width };
}
