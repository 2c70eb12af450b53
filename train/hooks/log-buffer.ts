/**
 * mmcv's LogBuffer: the scalars of each iteration (loss terms, loss, grad_norm, time, data_time) summed until a
 * logger averages them; every logger hook of an iteration sees the same averages, and the runner clears the
 * buffer once they have been written.
 */
export class LogBuffer {
  private sums = new Map<string, number>();
  private count = 0;
  private out: Record<string, number> | null = null;
  private last: Record<string, number> = {};

  update(values: Record<string, number>): void {
    for (const [k, v] of Object.entries(values)) this.sums.set(k, (this.sums.get(k) ?? 0) + v);
    this.count += 1;
  }

  /** Iterations accumulated since the last clear. */
  get size(): number {
    return this.count;
  }

  /** The means since the last clear (keys in first-seen order), or null when nothing was accumulated. */
  average(): Record<string, number> | null {
    if (this.out) return this.out;
    if (this.count === 0) return null;
    const out: Record<string, number> = {};
    for (const [k, v] of this.sums) out[k] = v / this.count;
    this.out = out;
    this.last = out;
    return out;
  }

  /** Averages were taken (a logger wrote them): the runner clears the buffer after the iteration's hooks. */
  get ready(): boolean {
    return this.out !== null;
  }

  /** The averages most recently taken (empty before the first). */
  get lastOutput(): Record<string, number> {
    return this.last;
  }

  clear(): void {
    this.sums = new Map();
    this.count = 0;
    this.out = null;
  }
}
