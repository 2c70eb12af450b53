import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import type { HostImage } from '../../core/types/data.js';
import { ADE20K_PALETTE } from '../../datasets/ade20k/ade20k-classes.js';

/** Write a label map as an 8-bit grayscale PNG whose values are class indices (what `mila seg-eval` reads). */
export function writeLabelPng(file: string, labels: Uint8Array, height: number, width: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(labels.buffer, labels.byteOffset, labels.length);
  writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

/**
 * mmseg's show_result: the image blended with the class colours (opacity 0.5), written as PNG or JPEG by
 * the file's extension. Class c takes palette entry c (mod the palette size).
 */
export async function writeOverlay(file: string, img: HostImage, labels: Uint8Array, opacity = 0.5, palette = ADE20K_PALETTE): Promise<void> {
  if (!(img.data instanceof Uint8Array)) throw new Error('overlays need the uint8 image');
  mkdirSync(path.dirname(file), { recursive: true });
  const n = img.height * img.width;
  const out = Buffer.alloc(n * 3);
  for (let p = 0; p < n; p++) {
    const color = palette[labels[p]! % palette.length]!;
    for (let k = 0; k < 3; k++) out[p * 3 + k] = Math.round(img.data[p * 3 + k]! * (1 - opacity) + color[k]! * opacity);
  }
  const s = sharp(out, { raw: { width: img.width, height: img.height, channels: 3 } });
  await (/\.jpe?g$/i.test(file) ? s.jpeg({ quality: 90 }) : s.png()).toFile(file);
}
