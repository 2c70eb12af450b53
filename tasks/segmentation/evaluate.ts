import path from 'node:path';
import type { HostImage } from '../../core/types/data.js';
import { decodeImageFile } from '../../datasets/image/decode-image.js';
import { readLabelPngFile as readLabelPng } from '../../core/io/label-png.js';
import { MIoUAccumulator, type MIoUResult } from '../../eval/miou/accumulator.js';
import { UserError } from '../../core/errors.js';
import type { EncoderDecoder, SegTestConfig } from '../../models/segmentor/encoder-decoder.js';
import { predictLabelMap } from '../../models/segmentor/inference.js';
import { buildTestViews, type TestViewOptions } from './test-views.js';
import type { SegSplitItem } from '../../datasets/ade20k/ade20k-split.js';
import { writeLabelPng, writeOverlay } from './visualize.js';

export interface SegEvaluateOptions {
  testCfg: SegTestConfig;
  views: TestViewOptions;
  numClasses: number;
  reduceZeroLabel: boolean;
  /** Write `<name>.png` label maps (class indices) here. */
  outDir: string | null;
  /** Write `<name>.jpg` colour overlays here. */
  showDir: string | null;
  /** Called after each image with (done, total). */
  onImage?: (done: number, total: number) => void;
}

export interface SegEvaluateResult {
  metrics: MIoUResult;
  seconds: number;
  imagesPerSecond: number;
  /** Largest resident set size seen between images, in bytes. */
  peakRss: number;
}

/**
 * Scores predictions in image order: the mIoU accumulator, the optional label PNGs and overlays, peak RSS.
 * Shared by the in-process loop and the worker-thread one (evaluate-workers.ts), so both give
 * the same numbers.
 */
export class SegPredictionScorer {
  private readonly acc: MIoUAccumulator;
  private readonly t0 = performance.now();
  private peakRss = process.memoryUsage().rss;
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly opts: SegEvaluateOptions,
  ) {
    this.acc = new MIoUAccumulator({ numClasses: opts.numClasses, ignoreIndex: 255, reduceZeroLabel: opts.reduceZeroLabel });
  }

  /** `img` is needed only for overlays (`showDir`); without it the image is decoded again when asked for. */
  async add(item: SegSplitItem, pred: Uint8Array, height: number, width: number, img?: HostImage): Promise<void> {
    const gt = readLabelPng(item.annotation);
    if (gt.height !== height || gt.width !== width) {
      throw new UserError(`${item.annotation} is ${gt.width}x${gt.height} but its image ${item.image} is ${width}x${height}`);
    }
    this.acc.add(pred, gt.data);
    if (this.opts.outDir) writeLabelPng(path.join(this.opts.outDir, `${item.name}.png`), pred, height, width);
    if (this.opts.showDir) await writeOverlay(path.join(this.opts.showDir, `${item.name}.jpg`), img ?? (await decodeImageFile(item.image)), pred);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
    this.opts.onImage?.(++this.done, this.total);
  }

  result(): SegEvaluateResult {
    const seconds = (performance.now() - this.t0) / 1000;
    return { metrics: this.acc.result(), seconds, imagesPerSecond: this.done / Math.max(seconds, 1e-9), peakRss: this.peakRss };
  }
}

/**
 * Run the model over a split and stream every prediction into the mIoU accumulator: one image in memory at
 * a time (the next one decoding meanwhile), so memory stays flat however long the split is.
 */
export async function evaluateSegmentor(model: EncoderDecoder, items: readonly SegSplitItem[], opts: SegEvaluateOptions): Promise<SegEvaluateResult> {
  const scorer = new SegPredictionScorer(items.length, opts);
  let next: Promise<HostImage> | null = items.length ? decodeImageFile(items[0]!.image) : null;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const img = await next!;
    next = i + 1 < items.length ? decodeImageFile(items[i + 1]!.image) : null;
    // Keep an unobserved rejection of the prefetch from crashing the process; it is awaited next turn.
    next?.catch(() => undefined);
    const views = buildTestViews(img, opts.views);
    let pred: Uint8Array;
    try {
      pred = predictLabelMap(model, views, [img.height, img.width], opts.testCfg);
    } finally {
      for (const v of views) v.image.dispose();
    }
    await scorer.add(item, pred, img.height, img.width, img);
  }
  return scorer.result();
}
