/** One benchmark: a named workload, prepared once and run many times. */
export interface BenchEntry {
  name: string;
  /**
   * Build the model and inputs. Throws `EntryUnavailable` when what it measures is not in this build yet
   * (the runner prints that reason instead of a number).
   */
  prepare(): Promise<PreparedBench>;
  /** The equivalent PyTorch workload for `--vs-torch`: arguments to bench/torch/run_torch.py. */
  torch?: string[];
}

export interface PreparedBench {
  /** One complete run; it must finish all its work (read back or dispose its outputs) before returning. */
  run(): void;
  dispose(): void;
}

/** The workload cannot run in this build (e.g. its model has not been written yet). */
export class EntryUnavailable extends Error {}
