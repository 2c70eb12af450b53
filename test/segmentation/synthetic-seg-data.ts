import type { SegBatch } from '../../core/types/data.js';
import { Rng } from '../../core/rng.js';

/** Colours of the synthetic classes; the image is the class colour plus noise, so a small net can learn it. */
const CLASS_RGB: [number, number, number][] = [
  [200, 40, 40],
  [40, 200, 40],
  [40, 40, 200],
  [200, 200, 40],
];

/**
 * A normalised NHWC batch of rectangles on a background (classes 0..3), with a one-pixel ignore (255)
 * border around each rectangle, as ADE20K-style boundary regions.
 */
export function syntheticSegBatch(n: number, size: number, seed: number): SegBatch {
  const rng = new Rng(seed);
  const images = new Float32Array(n * size * size * 3);
  const labels = new Uint8Array(n * size * size);
  for (let b = 0; b < n; b++) {
    const bg = rng.int(0, 4);
    const fg = (bg + 1 + rng.int(0, 3)) % 4;
    const y0 = rng.int(2, size / 2);
    const x0 = rng.int(2, size / 2);
    const y1 = y0 + rng.int(size / 4, size / 2);
    const x1 = x0 + rng.int(size / 4, size / 2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = y >= y0 && y < y1 && x >= x0 && x < x1;
        const border = (y === y0 - 1 || y === y1) && x >= x0 - 1 && x <= x1 || (x === x0 - 1 || x === x1) && y >= y0 - 1 && y <= y1;
        const cls = inside ? fg : bg;
        const p = b * size * size + y * size + x;
        labels[p] = border ? 255 : cls;
        for (let c = 0; c < 3; c++) images[p * 3 + c] = (CLASS_RGB[cls]![c]! + rng.normal(0, 20) - 128) / 64;
      }
    }
  }
  return { images, shape: [n, size, size, 3], metas: [], labels };
}
