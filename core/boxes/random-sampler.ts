/**
 * mmdet 2.x `RandomSampler` (random_sampler.py + base_sampler.py) and `SamplingResult`, on host arrays.
 *
 * With addGtAsProposals the gt boxes are prepended to the candidates (indices 0..g-1, flagged isGt). Then
 * up to floor(num * posFraction) positives (gtInds > 0) are drawn at random, and num - #pos negatives
 * (gtInds == 0), capped at negPosUb * max(1, #pos) when negPosUb >= 0. As torch's `.unique()` in mmdet, the
 * chosen indices come back sorted ascending. Randomness comes from a seeded `Rng` (core/rng.ts), replacing
 * torch.randperm.
 */
import { Rng } from '../rng.js';
import { boxCount } from './box-overlaps.js';
import { addGtToAssignResult, type AssignResult } from './max-iou-assigner.js';

export interface RandomSamplerOptions {
  /** Total samples per image (RPN 256, RoI head 512). */
  num: number;
  /** Fraction of positives at most (RPN 0.5, RoI head 0.25). */
  posFraction: number;
  /** Upper bound of negatives per positive; -1 = none (mmdet default). */
  negPosUb?: number;
  /** Prepend gt boxes as candidates (mmdet default true; RPN false, RoI head true). */
  addGtAsProposals?: boolean;
}

export interface SamplingResult {
  /** Indices into `bboxes` (the candidates, with gts prepended when added), ascending. */
  posInds: Int32Array;
  negInds: Int32Array;
  /** The candidates the indices point into (gts first when added), n * 4. */
  bboxes: Float32Array;
  /** posBboxes[i] = bboxes[posInds[i]] (p * 4). */
  posBboxes: Float32Array;
  negBboxes: Float32Array;
  /** 1 when the positive is a gt box added as proposal. */
  posIsGt: Uint8Array;
  numGts: number;
  /** The gt index (0-based) of each positive. */
  posAssignedGtInds: Int32Array;
  /** gtBoxes[posAssignedGtInds[i]] (p * 4). */
  posGtBboxes: Float32Array;
  /** The gt label of each positive, or null when the assignment had no labels. */
  posGtLabels: Int32Array | null;
  /** The assignment over `bboxes` (after add_gt_ when gts were added). */
  assignResult: AssignResult;
}

export class RandomSampler {
  readonly num: number;
  readonly posFraction: number;
  readonly negPosUb: number;
  readonly addGtAsProposals: boolean;

  constructor(opts: RandomSamplerOptions, private readonly rng: Rng = new Rng(0)) {
    this.num = opts.num;
    this.posFraction = opts.posFraction;
    this.negPosUb = opts.negPosUb ?? -1;
    this.addGtAsProposals = opts.addGtAsProposals ?? true;
  }

  /** Sample from an assignment of `bboxes` (n * 4) to `gtBoxes` (g * 4); gtLabels are required with addGtAsProposals. */
  sample(assignResult: AssignResult, bboxes: ArrayLike<number>, gtBoxes: ArrayLike<number>, gtLabels?: ArrayLike<number> | null): SamplingResult {
    const n = boxCount(bboxes, 'candidate boxes');
    const g = boxCount(gtBoxes, 'gt boxes');
    if (assignResult.gtInds.length !== n) throw new Error(`RandomSampler: assignment covers ${assignResult.gtInds.length} boxes, got ${n}`);
    let all = Float32Array.from(bboxes);
    let isGt = new Uint8Array(n);
    let assign = assignResult;
    if (this.addGtAsProposals && g > 0) {
      if (!gtLabels) throw new Error('RandomSampler: gt labels are required when gt boxes are added as proposals');
      const merged = new Float32Array((g + n) * 4);
      merged.set(Array.from(gtBoxes), 0);
      merged.set(all, g * 4);
      all = merged;
      const flags = new Uint8Array(g + n);
      flags.fill(1, 0, g);
      isGt = flags;
      assign = addGtToAssignResult(assignResult, gtLabels);
    }
    const total = assign.gtInds.length;
    const posPool: number[] = [];
    const negPool: number[] = [];
    for (let i = 0; i < total; i++) {
      if (assign.gtInds[i]! > 0) posPool.push(i);
      else if (assign.gtInds[i] === 0) negPool.push(i);
    }
    const numExpectedPos = Math.floor(this.num * this.posFraction);
    const posInds = this.choose(posPool, numExpectedPos);
    let numExpectedNeg = this.num - posInds.length;
    if (this.negPosUb >= 0) {
      const bound = Math.floor(this.negPosUb * Math.max(1, posInds.length));
      if (numExpectedNeg > bound) numExpectedNeg = bound;
    }
    const negInds = this.choose(negPool, numExpectedNeg);

    const p = posInds.length;
    const posBboxes = gatherBoxes(all, posInds);
    const negBboxes = gatherBoxes(all, negInds);
    const posIsGt = new Uint8Array(p);
    const posAssignedGtInds = new Int32Array(p);
    const posGtLabels = assign.labels ? new Int32Array(p) : null;
    for (let i = 0; i < p; i++) {
      const k = posInds[i]!;
      posIsGt[i] = isGt[k]!;
      posAssignedGtInds[i] = assign.gtInds[k]! - 1;
      if (posGtLabels) posGtLabels[i] = assign.labels![k]!;
    }
    const posGtBboxes = g > 0 ? gatherBoxes(gtBoxes, posAssignedGtInds) : new Float32Array(0);
    return { posInds, negInds, bboxes: all, posBboxes, negBboxes, posIsGt, numGts: g, posAssignedGtInds, posGtBboxes, posGtLabels, assignResult: assign };
  }

  /** All of the pool when it is small enough, else `count` drawn without replacement; sorted ascending. */
  private choose(pool: number[], count: number): Int32Array {
    let chosen: number[];
    if (pool.length <= count) chosen = pool;
    else chosen = this.rng.shuffle(pool.slice()).slice(0, Math.max(0, count));
    return Int32Array.from(chosen).sort();
  }
}

/** boxes[inds[i]] for each i, as a new flat array. */
export function gatherBoxes(boxes: ArrayLike<number>, inds: ArrayLike<number>): Float32Array {
  const out = new Float32Array(inds.length * 4);
  for (let i = 0; i < inds.length; i++) {
    const k = 4 * inds[i]!;
    out[4 * i] = boxes[k]!;
    out[4 * i + 1] = boxes[k + 1]!;
    out[4 * i + 2] = boxes[k + 2]!;
    out[4 * i + 3] = boxes[k + 3]!;
  }
  return out;
}
