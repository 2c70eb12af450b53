import { Rng } from '../../core/rng.js';
import { mixSeed } from '../synthetic/coco-synthetic.js';

/**
 * Which dataset indices make up iteration `iter`, from (seed, epoch) alone: epoch e is a shuffle of
 * 0..n-1 seeded by (seed, e), cut into batches; a last partial batch is completed from the start of
 * the same permutation (as mmdet's GroupSampler pads an epoch to a multiple of the batch size). So a
 * run resumed at iteration k sees exactly the batches the uninterrupted run saw.
 */
export class BatchOrder {
  readonly itersPerEpoch: number;
  private cachedEpoch = -1;
  private perm: number[] = [];

  constructor(readonly size: number, readonly batchSize: number, readonly shuffle: boolean, readonly seed: number, readonly dropLast = false) {
    if (size <= 0) throw new Error('cannot load batches from an empty dataset');
    if (batchSize <= 0) throw new Error('batch size must be positive');
    this.itersPerEpoch = dropLast ? Math.floor(size / batchSize) : Math.ceil(size / batchSize);
    if (this.itersPerEpoch === 0) throw new Error(`dataset of ${size} samples has no full batch of ${batchSize}`);
  }

  epochOf(iter: number): number {
    return Math.floor(iter / this.itersPerEpoch);
  }

  permutation(epoch: number): number[] {
    if (epoch !== this.cachedEpoch) {
      const p = Array.from({ length: this.size }, (_, i) => i);
      this.perm = this.shuffle ? new Rng(mixSeed(this.seed, 0x51, epoch)).shuffle(p) : p;
      this.cachedEpoch = epoch;
    }
    return this.perm;
  }

  indices(iter: number): number[] {
    const epoch = this.epochOf(iter);
    const p = this.permutation(epoch);
    const start = (iter - epoch * this.itersPerEpoch) * this.batchSize;
    return Array.from({ length: this.batchSize }, (_, j) => p[(start + j) % this.size]!);
  }

  /** The seed of the augmentation stream for slot j of iteration iter. */
  sampleSeed(iter: number, j: number): number {
    return mixSeed(this.seed, 0x77 + j, iter);
  }
}
