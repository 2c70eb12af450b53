import { freemem, totalmem } from 'node:os';
import { BufferPool } from './buffer-pool.js';

/** Caps the bytes the native backend's tensors may hold, e.g. `6g`, `800m` (default: the machine's memory, see memoryBudgetBytes). */
export const MEMORY_LIMIT_ENV = 'MILA_MEMORY_LIMIT';

/** Bytes outside tensors the process needs anyway (code, JS heap, the data loader, images): left out of what tensors may use. */
const RESERVE_BYTES = 1.5 * 2 ** 30;

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** `6g`, `800M`, `1.5G`, `123456` (bytes) -> bytes; throws on anything else. */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(text);
  if (!m) throw new Error(`${MEMORY_LIMIT_ENV}: '${text}' is not a size (examples: 6g, 800m)`);
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

/** The hard cap on tensor bytes: MILA_MEMORY_LIMIT if set, else the machine's memory less a reserve. */
export function memoryLimitBytes(env: NodeJS.ProcessEnv = process.env): number {
  const set = env[MEMORY_LIMIT_ENV];
  if (set !== undefined && set.trim() !== '') return parseByteSize(set);
  return Math.max(totalmem() - RESERVE_BYTES, 256 * 2 ** 20);
}

/**
 * What tensors may use now, given what they (`inUseBytes`) and the pool (`pooledBytes`) already hold: the memory
 * the kernel reports available (free plus reclaimable) is added to that, less the reserve, within the limit.
 */
export function availableTensorBytes(inUseBytes: number, pooledBytes: number, limit = memoryLimitBytes()): number {
  return Math.min(limit, inUseBytes + pooledBytes + freemem() - RESERVE_BYTES);
}

/** A tensor allocation that would take the native backend's tensors past the memory available. */
export class TensorMemoryError extends Error {
  constructor(readonly requestedBytes: number, readonly inUseBytes: number, readonly availableBytes: number) {
    super(
      `out of memory for tensors: ${formatBytes(requestedBytes)} more requested with ${formatBytes(inUseBytes)} in use, ` +
        `${formatBytes(availableBytes)} available (${MEMORY_LIMIT_ENV} or the machine's free memory)`,
    );
    this.name = 'TensorMemoryError';
  }
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GB`;
  return `${Math.round(n / 2 ** 20)} MB`;
}

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * The memory of the native backend's tensors: every stored typed array is counted once per `ArrayBuffer`
 * (slices and casts may share one), buffers this class handed out go back to a `BufferPool` when their last
 * tensor is freed, and allocations past what is available throw `TensorMemoryError` instead of failing somewhere in V8.
 * Buffers a caller received through `dataSync()`/`data()` ("escaped") are never reused.
 */
export class TensorMemory {
  readonly pool: BufferPool;
  /** The hard cap (MILA_MEMORY_LIMIT or the machine's memory). */
  limitBytes: number;
  /** What tensors could use when last checked (free memory changes with other processes). */
  private availableBytes: number;
  /** Bytes of distinct buffers referenced by live tensors. */
  inUseBytes = 0;
  /** Highest `inUseBytes` since the last `resetPeak()`. */
  peakBytes = 0;
  /** Highest `inUseBytes` ever (not reset): sizes the pool. */
  private highWaterBytes = 0;
  private readonly baseFreeBytes: number;
  private readonly users = new Map<ArrayBufferLike, number>();
  private readonly pooled = new WeakSet<ArrayBufferLike>();
  private readonly escaped = new WeakSet<ArrayBufferLike>();

  constructor(limitBytes = memoryLimitBytes()) {
    this.limitBytes = limitBytes;
    this.availableBytes = availableTensorBytes(0, 0, limitBytes);
    // Bounded so multi-scale batches do not hoard every size (least recently used classes go first), but raised
    // with the high-water mark (see retain): below what a step frees, every step dropped and re-faulted ~0.8 GB.
    this.baseFreeBytes = Math.min(limitBytes / 4, 4 * 2 ** 30);
    this.pool = new BufferPool(this.baseFreeBytes);
  }

  /** A new array of `length` elements; contents are undefined unless `zeroed` (reused memory is not cleared otherwise). */
  allocate(dtype: 'float32' | 'int32' | 'bool', length: number, zeroed: boolean): Values {
    const bytes = length * (dtype === 'bool' ? 1 : 4);
    if (bytes <= BufferPool.MIN_POOLED_BYTES) return newArray(dtype, new ArrayBuffer(Math.max(bytes, 4)), length);
    let buf = this.pool.take(bytes);
    if (!buf) {
      const cls = BufferPool.classOf(bytes);
      this.pool.markUsed(cls);
      // A new buffer past the high-water mark while the pool holds classes this step has not asked for (an earlier
      // scale's): drop those first, so a multi-scale run does not hold every scale's buffers at once.
      const excess = this.inUseBytes + this.pool.freeBytes + cls - this.highWaterBytes;
      if (excess > 0) this.pool.dropUnused(Math.max(0, this.pool.freeBytes - excess));
      this.ensureRoom(cls);
      buf = BufferPool.allocate(bytes);
      this.pooled.add(buf);
      zeroed = false; // a new ArrayBuffer is zero-filled already
    }
    const out = newArray(dtype, buf, length);
    if (zeroed) out.fill(0);
    return out;
  }

  /**
   * Make room for `bytes` more: within what was available at the last check, or (free memory changes with other
   * processes) at a new check; then by dropping free pooled buffers; else TensorMemoryError.
   */
  ensureRoom(bytes: number): void {
    if (this.inUseBytes + this.pool.freeBytes + bytes <= this.availableBytes) return;
    this.availableBytes = availableTensorBytes(this.inUseBytes, this.pool.freeBytes, this.limitBytes);
    if (this.inUseBytes + this.pool.freeBytes + bytes <= this.availableBytes) return;
    this.pool.trim(Math.max(0, this.availableBytes - this.inUseBytes - bytes));
    if (this.inUseBytes + bytes > this.availableBytes) throw new TensorMemoryError(bytes, this.inUseBytes, this.availableBytes);
  }

  /** What tensors could use now (for reports and estimates). */
  currentlyAvailableBytes(): number {
    this.availableBytes = availableTensorBytes(this.inUseBytes, this.pool.freeBytes, this.limitBytes);
    return this.availableBytes;
  }

  /** A tensor now references `values`. */
  retain(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const buf = values.buffer;
    const n = this.users.get(buf) ?? 0;
    this.users.set(buf, n + 1);
    if (n === 0) {
      this.inUseBytes += buf.byteLength;
      if (this.inUseBytes > this.peakBytes) this.peakBytes = this.inUseBytes;
      if (this.inUseBytes > this.highWaterBytes) {
        this.highWaterBytes = this.inUseBytes;
        // A step's buffers are its peak plus size-class slack; all but the weights come back to the pool after it.
        this.pool.maxFreeBytes = Math.max(this.baseFreeBytes, Math.min(1.5 * this.highWaterBytes, this.limitBytes / 2));
      }
    }
  }

  /** A tensor no longer references `values`: its buffer goes back to the pool when nothing else does. */
  release(values: unknown): void {
    if (!ArrayBuffer.isView(values)) return;
    const buf = values.buffer;
    const n = this.users.get(buf);
    if (n === undefined) return;
    if (n > 1) {
      this.users.set(buf, n - 1);
      return;
    }
    this.users.delete(buf);
    this.inUseBytes -= buf.byteLength;
    if (this.pooled.has(buf) && !this.escaped.has(buf)) this.pool.give(buf as ArrayBuffer);
  }

  /** `values` were handed to code outside the backend: their buffer must never be reused. */
  escape(values: unknown): void {
    if (ArrayBuffer.isView(values)) this.escaped.add(values.buffer);
  }

  /** A training step ended: pooled buffers of sizes it did not use are dropped (BufferPool.endStep). */
  endStep(): void {
    this.pool.endStep();
  }

  resetPeak(): void {
    this.peakBytes = this.inUseBytes;
  }
}

function newArray(dtype: 'float32' | 'int32' | 'bool', buf: ArrayBuffer, length: number): Values {
  if (dtype === 'float32') return new Float32Array(buf, 0, length);
  if (dtype === 'int32') return new Int32Array(buf, 0, length);
  return new Uint8Array(buf, 0, length);
}
