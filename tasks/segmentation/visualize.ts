import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { encodeLabelPng } from '../../core/io/label-png.js';
import sharp from 'sharp';
import type { HostImage } from '../../core/types/data.js';
import { outputError, writeOutputFile } from '../../core/output-file.js';
import { ADE20K_PALETTE } from '../../datasets/ade20k/ade20k-classes.js';
import { labelOverlayRgb } from './overlay.js';

/** Write a label map as an 8-bit grayscale PNG whose values are class indices (what `mila seg-eval` reads). */
export function writeLabelPng(file: string, labels: Uint8Array, height: number, width: number): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeOutputFile(file, encodeLabelPng(labels, height, width));
}

/**
 * mmseg's show_result: the image blended with the class colours (opacity 0.5), written as PNG or JPEG by
 * the file's extension. Class c takes palette entry c (mod the palette size).
 */
export async function writeOverlay(file: string, img: HostImage, labels: Uint8Array, opacity = 0.5, palette = ADE20K_PALETTE): Promise<void> {
  const out = labelOverlayRgb(img, labels, opacity, palette);
  mkdirSync(path.dirname(file), { recursive: true });
  const s = sharp(Buffer.from(out.buffer, out.byteOffset, out.length), { raw: { width: img.width, height: img.height, channels: 3 } });
  await (/\.jpe?g$/i.test(file) ? s.jpeg({ quality: 90 }) : s.png()).toFile(file).catch((err: unknown) => {
    throw outputError(file, err);
  });
}
