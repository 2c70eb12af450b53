import type { DataLoader } from '../datasets/loader/data-loader.js';
import type { TrainData } from './runner.js';

/**
 * The runner's view of a datasets `DataLoader`: the loader numbers batches by global iteration (its order is a
 * function of seed and epoch), so the batches of epoch e from position k are iterations e*n+k .. (e+1)*n-1.
 */
export class LoaderTrainData<B> implements TrainData<B> {
  readonly batchesPerEpoch: number;

  /** `notes`: lines about the data worth logging once (annotations the dataset left out, say). */
  constructor(
    readonly loader: DataLoader<B>,
    readonly notes: string[] = [],
  ) {
    this.batchesPerEpoch = loader.itersPerEpoch;
  }

  async *epochBatches(epoch: number, start: number): AsyncGenerator<B> {
    const n = this.batchesPerEpoch;
    for await (const { batch } of this.loader.batches(epoch * n + start, (epoch + 1) * n)) yield batch;
  }

  close(): Promise<void> {
    return this.loader.close();
  }
}
