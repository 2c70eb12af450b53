/**
 * mmdet 2.x `MaxIoUAssigner` and `AssignResult` (max_iou_assigner.py, assign_result.py), on host arrays.
 *
 * Each candidate box gets gtInds[i]: -1 = ignore, 0 = negative, k >= 1 = positive for gt k - 1.
 *  1. every box starts at -1;
 *  2. boxes whose best IoU is in [0, negIouThr) (or in [lo, hi) for a tuple) become 0;
 *  3. boxes whose best IoU >= posIouThr take that gt (first gt on ties, as torch.max on CPU);
 *  4. matchLowQuality: for each gt in order whose best IoU >= minPosIou, the box(es) achieving it take that gt
 *     (all boxes tying the max with gtMaxAssignAll, else only the first), overriding steps 2-3 — so a later gt wins.
 * Ignore regions: when ignoreIofThr > 0, boxes whose IoF with any ignore box exceeds it get IoU -1 with every gt
 * (so they end as -1 unless step 4 picks them); IoF is over the candidate (ignoreWrtCandidates) or the ignore box.
 * IoUs are float32 (box-overlaps.ts) and every threshold is compared as torch does, rounded to float32
 * (`max_overlaps >= 0.7` is true for float32(0.7), which is below the double 0.7).
 */
import { boxCount, boxOverlaps } from './box-overlaps.js';

export interface AssignResult {
  numGts: number;
  /** Per candidate: -1 ignore, 0 negative, k >= 1 positive for gt k - 1. */
  gtInds: Int32Array;
  /** Per candidate: its best IoU over the gts (0 when there are none). */
  maxOverlaps: Float32Array;
  /** Per candidate: the class of the assigned gt, -1 otherwise; null when no gt labels were given. */
  labels: Int32Array | null;
}

export interface MaxIoUAssignerOptions {
  posIouThr: number;
  /** A number, or [lo, hi) for the negative range. */
  negIouThr: number | [number, number];
  /** mmdet default 0.0. */
  minPosIou?: number;
  /** mmdet default true. */
  gtMaxAssignAll?: boolean;
  /** mmdet default -1 (ignore regions unused). */
  ignoreIofThr?: number;
  /** mmdet default true. */
  ignoreWrtCandidates?: boolean;
  /** mmdet default true. */
  matchLowQuality?: boolean;
}

export class MaxIoUAssigner {
  readonly posIouThr: number;
  readonly negIouThr: number | [number, number];
  readonly minPosIou: number;
  readonly gtMaxAssignAll: boolean;
  readonly ignoreIofThr: number;
  readonly ignoreWrtCandidates: boolean;
  readonly matchLowQuality: boolean;

  constructor(opts: MaxIoUAssignerOptions) {
    this.posIouThr = opts.posIouThr;
    this.negIouThr = opts.negIouThr;
    this.minPosIou = opts.minPosIou ?? 0;
    this.gtMaxAssignAll = opts.gtMaxAssignAll ?? true;
    this.ignoreIofThr = opts.ignoreIofThr ?? -1;
    this.ignoreWrtCandidates = opts.ignoreWrtCandidates ?? true;
    this.matchLowQuality = opts.matchLowQuality ?? true;
  }

  /**
   * Assign candidate boxes (n * 4) to gt boxes (g * 4). `gtBoxesIgnore` (m * 4) are crowd regions,
   * used only when ignoreIofThr > 0; `gtLabels` (g) fills `labels` of the result.
   */
  assign(boxes: ArrayLike<number>, gtBoxes: ArrayLike<number>, gtBoxesIgnore?: ArrayLike<number> | null, gtLabels?: ArrayLike<number> | null): AssignResult {
    const n = boxCount(boxes, 'candidate boxes');
    const g = boxCount(gtBoxes, 'gt boxes');
    const overlaps = boxOverlaps(gtBoxes, boxes, 'iou'); // g x n
    const numIgnore = gtBoxesIgnore ? boxCount(gtBoxesIgnore, 'ignore boxes') : 0;
    if (this.ignoreIofThr > 0 && gtBoxesIgnore && numIgnore > 0 && n > 0) {
      const iof = this.ignoreWrtCandidates ? boxOverlaps(boxes, gtBoxesIgnore, 'iof') : boxOverlaps(gtBoxesIgnore, boxes, 'iof');
      for (let j = 0; j < n; j++) {
        let best = -Infinity;
        for (let t = 0; t < numIgnore; t++) {
          const v = this.ignoreWrtCandidates ? iof[j * numIgnore + t]! : iof[t * n + j]!;
          if (v > best) best = v;
        }
        if (best > Math.fround(this.ignoreIofThr)) for (let i = 0; i < g; i++) overlaps[i * n + j] = -1;
      }
    }
    return this.assignWrtOverlaps(overlaps, g, n, gtLabels ?? null);
  }

  /** Assignment from a precomputed g x n IoU matrix (row-major, gt-major). */
  assignWrtOverlaps(overlaps: Float32Array, numGts: number, numBoxes: number, gtLabels: ArrayLike<number> | null): AssignResult {
    const gtInds = new Int32Array(numBoxes).fill(-1);
    const maxOverlaps = new Float32Array(numBoxes);
    if (numGts === 0 || numBoxes === 0) {
      if (numGts === 0) gtInds.fill(0);
      return { numGts, gtInds, maxOverlaps, labels: gtLabels ? new Int32Array(numBoxes).fill(-1) : null };
    }
    const argmax = new Int32Array(numBoxes);
    for (let j = 0; j < numBoxes; j++) {
      let best = overlaps[j]!;
      let arg = 0;
      for (let i = 1; i < numGts; i++) {
        const v = overlaps[i * numBoxes + j]!;
        if (v > best) {
          best = v;
          arg = i;
        }
      }
      maxOverlaps[j] = best;
      argmax[j] = arg;
    }
    const [negLo, negHi] = (typeof this.negIouThr === 'number' ? [0, this.negIouThr] : this.negIouThr).map(Math.fround) as [number, number];
    for (let j = 0; j < numBoxes; j++) {
      const v = maxOverlaps[j]!;
      if (v >= negLo && v < negHi) gtInds[j] = 0;
    }
    const posThr = Math.fround(this.posIouThr);
    for (let j = 0; j < numBoxes; j++) if (maxOverlaps[j]! >= posThr) gtInds[j] = argmax[j]! + 1;
    if (this.matchLowQuality) {
      const minPos = Math.fround(this.minPosIou);
      for (let i = 0; i < numGts; i++) {
        const row = i * numBoxes;
        let gtMax = overlaps[row]!;
        let gtArg = 0;
        for (let j = 1; j < numBoxes; j++) {
          if (overlaps[row + j]! > gtMax) {
            gtMax = overlaps[row + j]!;
            gtArg = j;
          }
        }
        if (!(gtMax >= minPos)) continue;
        if (this.gtMaxAssignAll) {
          for (let j = 0; j < numBoxes; j++) if (overlaps[row + j] === gtMax) gtInds[j] = i + 1;
        } else {
          gtInds[gtArg] = i + 1;
        }
      }
    }
    let labels: Int32Array | null = null;
    if (gtLabels) {
      labels = new Int32Array(numBoxes).fill(-1);
      for (let j = 0; j < numBoxes; j++) if (gtInds[j]! > 0) labels[j] = gtLabels[gtInds[j]! - 1]!;
    }
    return { numGts, gtInds, maxOverlaps, labels };
  }
}

/**
 * mmdet's AssignResult.add_gt_: prepend the gts themselves as positives of their own index (IoU 1), as the
 * sampler does with add_gt_as_proposals. Returns a new result; the input is unchanged.
 */
export function addGtToAssignResult(result: AssignResult, gtLabels: ArrayLike<number>): AssignResult {
  const g = gtLabels.length;
  const n = result.gtInds.length;
  const gtInds = new Int32Array(g + n);
  const maxOverlaps = new Float32Array(g + n);
  for (let i = 0; i < g; i++) {
    gtInds[i] = i + 1;
    maxOverlaps[i] = 1;
  }
  gtInds.set(result.gtInds, g);
  maxOverlaps.set(result.maxOverlaps, g);
  let labels: Int32Array | null = null;
  if (result.labels) {
    labels = new Int32Array(g + n);
    for (let i = 0; i < g; i++) labels[i] = gtLabels[i]!;
    labels.set(result.labels, g);
  }
  return { numGts: result.numGts, gtInds, maxOverlaps, labels };
}
