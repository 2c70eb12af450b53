/**
 * Streaming mIoU as mmsegmentation 0.x computes it (intersect_and_union summed over images, then
 * total_area_to_metrics): per-class intersection, union, predicted and label areas are added one
 * image at a time, so memory does not grow with the number of images.
 */
import { numpySum } from '../numeric/numpy-sum.js';

export interface MIoUOptions {
  numClasses: number;
  /** Label value left out of every count (default 255). */
  ignoreIndex?: number;
  /** ADE20K: label 0 becomes ignored and 1..N shift to 0..N-1 (after the label map). */
  reduceZeroLabel?: boolean;
  /** Label value remapping, applied in insertion order to the running label as mmseg's loop does. */
  labelMap?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
}

/** mmseg's metrics. Fractions in 0..1; NaN where a class has no union (IoU) or no label pixels (Acc). */
export interface MIoUResult {
  aAcc: number;
  mIoU: number;
  mAcc: number;
  IoU: number[];
  Acc: number[];
  totalAreaIntersect: number[];
  totalAreaUnion: number[];
  totalAreaPredLabel: number[];
  totalAreaLabel: number[];
  numImages: number;
}

/**
 * The accumulated per-class areas (pixel counts) and image count: what `intersect_and_union` sums. They are
 * integers, exact in float64 below 2^53 (about 9e15 pixels), so totals of disjoint image sets add up to the
 * totals of one pass over all of them, in any order: how `mila merge` combines sharded runs.
 */
export interface MIoUTotals {
  intersect: number[];
  predArea: number[];
  labelArea: number[];
  numImages: number;
}

/** np.nanmean: NaNs count as 0 in numpy's pairwise sum and are left out of the count. */
export function nanMean(xs: readonly number[]): number {
  const filled = xs.map((x) => (Number.isNaN(x) ? 0 : x));
  const n = xs.filter((x) => !Number.isNaN(x)).length;
  return n === 0 ? NaN : numpySum(filled) / n;
}

const isSmallUint = (x: ArrayLike<number>): x is Uint8Array | Uint16Array | Uint8ClampedArray =>
  x instanceof Uint8Array || x instanceof Uint16Array || x instanceof Uint8ClampedArray;
const isUintArray = (x: ArrayLike<number>): x is Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray => isSmallUint(x) || x instanceof Uint32Array;

export class MIoUAccumulator {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  readonly reduceZeroLabel: boolean;
  private readonly intersect: Float64Array;
  private readonly predArea: Float64Array;
  private readonly labelArea: Float64Array;
  private readonly mapPairs: [number, number][];
  private readonly lut = new Map<number, number>();
  private images = 0;

  constructor(opts: MIoUOptions) {
    if (!Number.isInteger(opts.numClasses) || opts.numClasses < 1) throw new Error(`numClasses must be a positive integer (got ${opts.numClasses})`);
    this.numClasses = opts.numClasses;
    this.ignoreIndex = opts.ignoreIndex ?? 255;
    this.reduceZeroLabel = opts.reduceZeroLabel ?? false;
    const lm = opts.labelMap;
    this.mapPairs = !lm ? [] : lm instanceof Map ? [...lm.entries()] : Object.entries(lm).map(([k, v]) => [Number(k), v as number]);
    this.intersect = new Float64Array(this.numClasses);
    this.predArea = new Float64Array(this.numClasses);
    this.labelArea = new Float64Array(this.numClasses);
  }

  /** The label after the label map and reduce_zero_label, as mmseg transforms the gt map. */
  private transformLabel(v: number): number {
    let cur = v;
    for (const [from, to] of this.mapPairs) if (cur === from) cur = to;
    if (this.reduceZeroLabel) {
      if (cur === 0) cur = 255;
      cur -= 1;
      if (cur === 254) cur = 255;
    }
    return cur;
  }

  private lookup(v: number): number {
    let t = this.lut.get(v);
    if (t === undefined) this.lut.set(v, (t = this.transformLabel(v)));
    return t;
  }

  /**
   * Add one image: `pred` holds class indices 0..N-1 (the model's output space), `label` the raw
   * ground truth values; both of one image, same length. Values outside 0..N-1 are counted in no
   * class (torch.histc's range); a pixel whose label is not ignored still counts its prediction.
   */
  add(pred: ArrayLike<number>, label: ArrayLike<number>): void {
    if (pred.length !== label.length) throw new Error(`prediction has ${pred.length} pixels but the label has ${label.length}`);
    if (isSmallUint(label) && isUintArray(pred)) this.addTyped(pred, label);
    else this.addGeneric(pred, label);
    this.images++;
  }

  /** 8/16-bit labels and unsigned integer predictions: one table lookup and integer counts per pixel. */
  private addTyped(pred: Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray, label: Uint8Array | Uint16Array | Uint8ClampedArray): void {
    const N = this.numClasses;
    const range = label instanceof Uint16Array ? 65536 : 256;
    // Transformed label per raw value: -1 = ignored, N = not a class (counts as labelled pixel, in no class).
    const table = new Int32Array(range);
    for (let v = 0; v < range; v++) {
      const l = this.lookup(v);
      table[v] = l === this.ignoreIndex ? -1 : l >= 0 && l < N && Number.isInteger(l) ? l : N;
    }
    const inter = new Uint32Array(N + 1);
    const pa = new Uint32Array(N + 1);
    const la = new Uint32Array(N + 1);
    for (let i = 0; i < pred.length; i++) {
      const l = table[label[i]!]!;
      if (l < 0) continue;
      const p = pred[i]!;
      if (p < N) {
        pa[p]!++;
        if (p === l) inter[p]!++;
      }
      la[l]!++;
    }
    for (let c = 0; c < N; c++) {
      this.intersect[c]! += inter[c]!;
      this.predArea[c]! += pa[c]!;
      this.labelArea[c]! += la[c]!;
    }
  }

  private addGeneric(pred: ArrayLike<number>, label: ArrayLike<number>): void {
    const N = this.numClasses;
    const ignore = this.ignoreIndex;
    const inter = this.intersect;
    const pa = this.predArea;
    const la = this.labelArea;
    for (let i = 0; i < pred.length; i++) {
      const l = this.lookup(label[i]!);
      if (l === ignore) continue;
      const p = pred[i]!;
      if (p >= 0 && p < N && Number.isInteger(p)) pa[p]!++;
      if (l >= 0 && l < N && Number.isInteger(l)) {
        la[l]!++;
        if (p === l) inter[l]!++;
      }
    }
  }

  get numImages(): number {
    return this.images;
  }

  totals(): MIoUTotals {
    return { intersect: Array.from(this.intersect), predArea: Array.from(this.predArea), labelArea: Array.from(this.labelArea), numImages: this.images };
  }

  /** Add the totals of other images (another shard's `totals()`), as if they had been added here one by one. */
  addTotals(t: MIoUTotals): void {
    const N = this.numClasses;
    for (const [name, xs] of [['intersect', t.intersect], ['predArea', t.predArea], ['labelArea', t.labelArea]] as const) {
      if (xs.length !== N) throw new Error(`${name} has ${xs.length} classes, expected ${N}`);
      if (!xs.every((x) => Number.isSafeInteger(x) && x >= 0)) throw new Error(`${name} must hold non-negative integer pixel counts`);
    }
    if (!Number.isSafeInteger(t.numImages) || t.numImages < 0) throw new Error(`numImages must be a non-negative integer, got ${t.numImages}`);
    for (let c = 0; c < N; c++) {
      this.intersect[c]! += t.intersect[c]!;
      this.predArea[c]! += t.predArea[c]!;
      this.labelArea[c]! += t.labelArea[c]!;
    }
    this.images += t.numImages;
  }

  /** aAcc, IoU, Acc and their nan-means, as total_area_to_metrics + np.nanmean. */
  result(): MIoUResult {
    const N = this.numClasses;
    const inter = Array.from(this.intersect);
    const pred = Array.from(this.predArea);
    const label = Array.from(this.labelArea);
    const union = inter.map((x, c) => pred[c]! + label[c]! - x);
    const iou = inter.map((x, c) => x / union[c]!);
    const acc = inter.map((x, c) => x / label[c]!);
    let si = 0;
    let sl = 0;
    for (let c = 0; c < N; c++) {
      si += inter[c]!;
      sl += label[c]!;
    }
    return {
      aAcc: si / sl,
      mIoU: nanMean(iou),
      mAcc: nanMean(acc),
      IoU: iou,
      Acc: acc,
      totalAreaIntersect: inter,
      totalAreaUnion: union,
      totalAreaPredLabel: pred,
      totalAreaLabel: label,
      numImages: this.images,
    };
  }
}
