/**
 * Freed tensor memory kept for the next tensor of about the same size. A training step frees and allocates
 * the same sizes in every iteration; without the pool each output would be a fresh `ArrayBuffer`: zeroed
 * pages faulted in one by one (~9 us per 4 KB page on this VM, i.e. ~2 ms per MB written), and the freed ones
 * reclaimed only when V8 next collects garbage, so resident memory ran many GB above what was live.
 *
 * Sizes are rounded up to classes 1/8 of a power of two apart (at most 12.5% unused); a request takes a free
 * buffer of its class or of the next two. Free buffers beyond `maxFreeBytes` are dropped, oldest class first.
 * Training marks steps (`endStep`): classes no request of a step used are dropped then, so multi-scale batches
 * do not keep every earlier scale's buffers.
 */
export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly lastUse = new Map<number, number>();
  private clock = 0;
  /** Classes that served or were allocated for a request since the last endStep. */
  private readonly usedThisStep = new Set<number>();
  /** Bytes held in free buffers. */
  freeBytes = 0;

  constructor(public maxFreeBytes: number) {}

  /** The class size for a request of `bytes` (bytes above 4 KB; smaller requests are not pooled). */
  static classOf(bytes: number): number {
    const top = 2 ** Math.floor(Math.log2(bytes));
    const eighth = top / 8;
    return Math.ceil(bytes / eighth) * eighth;
  }

  /** Requests at or below this size are plain allocations (cheap, and too many to track). */
  static readonly MIN_POOLED_BYTES = 4096;

  /** A free buffer for `bytes` (its class or up to two classes larger), or undefined. */
  take(bytes: number): ArrayBuffer | undefined {
    let cls = BufferPool.classOf(bytes);
    for (let k = 0; k < 3; k++) {
      const list = this.free.get(cls);
      const buf = list?.pop();
      if (buf) {
        this.freeBytes -= buf.byteLength;
        this.lastUse.set(cls, ++this.clock);
        this.usedThisStep.add(cls);
        return buf;
      }
      cls = BufferPool.classOf(cls + 1);
    }
    return undefined;
  }

  /** A request of this class was served with a new buffer (it counts as used in this step). */
  markUsed(cls: number): void {
    this.usedThisStep.add(cls);
  }

  /** Drop free buffers of classes this step has not used (least recently used first) until at most `keepBytes` remain. */
  dropUnused(keepBytes: number): number {
    return this.trim(keepBytes, (cls) => !this.usedThisStep.has(cls));
  }

  /** End of a training step: free buffers of classes the step did not use are dropped; returns bytes dropped. */
  endStep(): number {
    const dropped = this.dropUnused(0);
    this.usedThisStep.clear();
    return dropped;
  }

  /** A new buffer of the class of `bytes`. */
  static allocate(bytes: number): ArrayBuffer {
    return new ArrayBuffer(BufferPool.classOf(bytes));
  }

  /** Keep a buffer that no tensor uses any more. */
  give(buf: ArrayBuffer): void {
    const cls = buf.byteLength;
    let list = this.free.get(cls);
    if (!list) this.free.set(cls, (list = []));
    list.push(buf);
    this.freeBytes += cls;
    this.lastUse.set(cls, ++this.clock);
    if (this.freeBytes > this.maxFreeBytes) this.trim(this.maxFreeBytes);
  }

  /** Drop free buffers (least recently used classes first) until at most `keepBytes` remain; returns bytes dropped. */
  trim(keepBytes: number, droppable: (cls: number) => boolean = () => true): number {
    let dropped = 0;
    const classes = [...this.free.keys()].filter(droppable).sort((a, b) => (this.lastUse.get(a) ?? 0) - (this.lastUse.get(b) ?? 0));
    for (const cls of classes) {
      const list = this.free.get(cls)!;
      while (list.length > 0 && this.freeBytes > keepBytes) {
        list.pop();
        this.freeBytes -= cls;
        dropped += cls;
      }
      if (list.length === 0) this.free.delete(cls);
      if (this.freeBytes <= keepBytes) break;
    }
    return dropped;
  }
}
