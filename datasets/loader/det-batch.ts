import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { DetBatch, DetSample } from '../../core/types/data.js';
import { buildDetPipeline } from '../pipelines/build-pipeline.js';
import { collateDet } from './collate.js';

/** One image with its instances, as a model's training step wants them. */
export interface AnnotatedImage {
  /** RGB pixels, row-major, 0..255. */
  image: { data: Uint8Array; width: number; height: number };
  /** n x 4 boxes (x1, y1, x2, y2) in pixels, row after row. */
  boxes: ArrayLike<number>;
  /** n class indices 0..K-1. */
  labels: ArrayLike<number>;
  /** n masks of height x width (0/1, row-major); leave out for a box-only model. */
  masks?: Uint8Array;
}

/**
 * A detection batch from images in memory: normalised (ImageNet mean/std unless given), padded to a multiple of
 * `sizeDivisor` and collated, as the datasets' pipelines end. For `model.forwardTrain(batch)` and `simpleTest`.
 */
export function buildDetBatch(items: readonly AnnotatedImage[], opts: { mean?: number[]; std?: number[]; sizeDivisor?: number } = {}): DetBatch {
  const pipeline = buildDetPipeline([
    { type: 'Normalize', mean: opts.mean, std: opts.std },
    { type: 'Pad', sizeDivisor: opts.sizeDivisor ?? 32 },
  ]);
  const samples = items.map((it, i): DetSample => {
    const { data, width, height } = it.image;
    const n = it.labels.length;
    const where = `buildDetBatch: image ${i}`;
    if (data.length !== width * height * 3) throw new UserError(`${where}: ${data.length} bytes for ${width}x${height} RGB (need ${width * height * 3})`);
    if (it.boxes.length !== 4 * n) throw new UserError(`${where}: ${it.boxes.length / 4} boxes for ${n} labels`);
    if (it.masks && it.masks.length !== n * width * height) throw new UserError(`${where}: masks hold ${it.masks.length} bytes, need ${n} x ${height} x ${width}`);
    const sample: DetSample = {
      img: { data, width, height, channels: 3 },
      meta: { filename: `image ${i}`, imageId: i, oriShape: [height, width], imgShape: [height, width], padShape: [height, width], scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null },
      gtBoxes: Float32Array.from(it.boxes),
      gtLabels: Int32Array.from(it.labels),
      gtBoxesIgnore: new Float32Array(0),
      gtMasks: it.masks ? { count: n, height, width, data: it.masks } : null,
    };
    // Normalize and Pad draw no random numbers; the Rng is the transform interface's.
    return pipeline.apply(sample, new Rng(0))!;
  });
  return collateDet(samples);
}
