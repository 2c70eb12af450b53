import sharp from 'sharp';
import { outputError } from '../../core/output-file.js';
import type { Canvas } from './paint.js';

/** Encode an RGB canvas as a baseline JPEG (quality 90); libvips gives the same bytes for the same pixels. */
export async function writeJpeg(c: Canvas, path: string): Promise<void> {
  await sharp(c.rgb, { raw: { width: c.width, height: c.height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(path)
    .catch((err: unknown) => {
      throw outputError(path, err);
    });
}

/** Run `fn(i)` for i in [0, n) with at most `limit` in flight (sharp encodes on its own threads). */
export async function forEachLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}
