/** A small deterministic detection batch for model tests: bright rectangles on noise, with boxes and masks. */
import { Rng } from '../../core/rng.js';
import type { BitmapMasks, DetBatch, ImageMeta } from '../../core/types/data.js';

export function rectangleBatch(n: number, size: number, boxesPerImage: number[][], numClasses: number, seed = 1): DetBatch {
  const rng = new Rng(seed);
  const images = new Float32Array(n * size * size * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng.normal(0, 0.3);
  const metas: ImageMeta[] = [];
  const gtBoxes: Float32Array[] = [];
  const gtLabels: Int32Array[] = [];
  const gtMasks: BitmapMasks[] = [];
  for (let b = 0; b < n; b++) {
    const boxes = boxesPerImage[b % boxesPerImage.length]!;
    const count = boxes.length / 4;
    const masks = new Uint8Array(count * size * size);
    const labels = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      const [x1, y1, x2, y2] = boxes.slice(4 * k, 4 * k + 4) as [number, number, number, number];
      labels[k] = k % numClasses;
      for (let y = y1; y < y2; y++)
        for (let x = x1; x < x2; x++) {
          masks[k * size * size + y * size + x] = 1;
          // the class shows in the colour channel
          images[((b * size + y) * size + x) * 3 + (k % 3)] = 2;
        }
    }
    metas.push({ filename: `img${b}.jpg`, imageId: b, oriShape: [size, size], imgShape: [size, size], padShape: [size, size], scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null });
    gtBoxes.push(Float32Array.from(boxes));
    gtLabels.push(labels);
    gtMasks.push({ count, height: size, width: size, data: masks });
  }
  return { images, shape: [n, size, size, 3], metas, gtBoxes, gtLabels, gtBoxesIgnore: metas.map(() => new Float32Array(0)), gtMasks };
}
