import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { nativeAddon } from '../native/addon.js';

/**
 * The one pool of worker threads: the data loader decodes and transforms samples in it while the model computes
 * (datasets/loader), and evaluation and inference share images out to it, a model per worker (`mapInWorkers`).
 *
 * Every worker runs a *shard task*: an ES module (the file URL of compiled JS) exporting
 *   createShardHandler(setup: S): Promise<(item: I) => O | Promise<O>>
 * and, optionally,
 *   transferables(result: O): ArrayBuffer[]   (buffers moved back to this thread instead of copied)
 * The worker builds its state once from `setup` (its own tfjs backend, model and weights; or a data pipeline),
 * then handles one item at a time. `setup`, items and results travel by structured clone (plain data, typed
 * arrays), so a task names its model by config and weights path rather than passing tensors. Why threads and not
 * wasm threads: tfjs' wasm backend disables its multi-threaded build under Node (tfjs issue #3830); one
 * single-threaded backend per worker is what uses every core today.
 */
export interface ShardTask<S> {
  /** file: URL (or absolute path) of the task module. */
  module: string;
  setup: S;
}

/** What a shard-task module exports (see ShardTask). */
export interface ShardTaskModule<S, I, O> {
  createShardHandler(setup: S): Promise<(item: I) => O | Promise<O>>;
  transferables?(result: O): ArrayBuffer[];
}

/** The worker's whole program: load the task, answer items. Kept as source so no build step is needed. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const mod = await import(workerData.module);
  if (typeof mod.createShardHandler !== 'function') throw new Error(workerData.module + ' does not export createShardHandler');
  const handle = await mod.createShardHandler(workerData.setup);
  const transferables = typeof mod.transferables === 'function' ? mod.transferables : () => [];
  parentPort.on('message', async (m) => {
    try {
      const result = await handle(m.item);
      parentPort.postMessage({ id: m.id, result }, transferables(result));
    } catch (e) {
      parentPort.postMessage({ id: m.id, error: { name: (e && e.name) || 'Error', message: (e && e.message) || String(e) } });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((e) => parentPort.postMessage({ fatal: (e && e.message) || String(e) }));
`;

/** Cores available to this process: the default `--workers`. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/** Parse a `--workers` value: a positive integer, or the core count when absent. */
export function parseWorkerCount(value: string | number | undefined): number {
  if (value === undefined || value === '') return defaultWorkerCount();
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--workers must be a positive integer (got '${value}')`);
  return n;
}

function moduleUrl(module: string): string {
  return module.startsWith('file:') ? module : new URL(`file://${module}`).href;
}

/** A worker that could not start or died: every item still pending fails with it. */
export class WorkerFailure extends Error {
  override name = 'WorkerFailure';
}

type Message<O> = { ready: true } | { fatal: string } | { id: number; result: O } | { id: number; error: { name: string; message: string } };

interface Job<I, O> {
  id: number;
  item: I;
  resolve: (result: O) => void;
  reject: (err: Error) => void;
}

/**
 * `size` workers running one shard task. Items wait in one queue and go to whichever worker is free (so a slow
 * item never holds others back behind it); `run` resolves with the item's result, or rejects with its error (a
 * UserError stays a UserError). Call `close` to end the workers.
 */
export class WorkerPool<I, O> {
  private readonly workers: Worker[];
  private readonly idle: Worker[] = [];
  private readonly queue: Job<I, O>[] = [];
  private readonly running = new Map<number, Job<I, O>>();
  private failure: WorkerFailure | null = null;
  private nextId = 0;

  constructor(task: ShardTask<unknown>, readonly size: number) {
    const workerData = { module: moduleUrl(task.module), setup: task.setup };
    this.workers = Array.from({ length: size }, (_, i) => {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData });
      w.on('message', (m: Message<O>) => this.onMessage(w, i, m));
      w.on('error', (e) => this.fail(new WorkerFailure(`worker ${i}: ${e.message}`)));
      return w;
    });
  }

  run(item: I): Promise<O> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, item, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const job = this.queue.shift()!;
      this.running.set(job.id, job);
      this.idle.shift()!.postMessage({ id: job.id, item: job.item });
    }
  }

  private onMessage(w: Worker, i: number, m: Message<O>): void {
    if ('ready' in m) {
      this.idle.push(w);
      this.dispatch();
    } else if ('fatal' in m) {
      this.fail(new WorkerFailure(`worker ${i}: ${m.fatal}`));
    } else {
      const job = this.running.get(m.id);
      if (!job) return;
      this.running.delete(m.id);
      this.idle.push(w);
      this.dispatch();
      if ('error' in m) job.reject(m.error.name === 'UserError' ? new UserError(m.error.message) : new Error(m.error.message));
      else job.resolve(m.result);
    }
  }

  private fail(err: WorkerFailure): void {
    this.failure ??= err;
    for (const job of [...this.running.values(), ...this.queue]) job.reject(this.failure);
    this.running.clear();
    this.queue.length = 0;
  }
}

/**
 * Map `items` through the task on `workers` threads and yield results in item order. With one worker
 * (or one item) everything runs in this thread, through the same task module. Workers are terminated
 * when the iteration ends, fails or is abandoned; a failing item is an error naming its index.
 *
 * At most `lookAhead` items past the one the consumer waits for are handed out (default: two per
 * worker), so a slow item or a slow consumer holds back the others instead of piling finished results
 * (whole label maps, say) up in memory: memory stays flat however long the list is.
 */
export async function* mapInWorkers<S, I, O>(items: readonly I[], task: ShardTask<S>, workers: number, lookAhead?: number): AsyncGenerator<O> {
  const count = Math.max(1, Math.min(workers, items.length));
  if (count === 1) {
    const mod = (await import(moduleUrl(task.module))) as ShardTaskModule<S, I, O>;
    const handle = await mod.createShardHandler(task.setup);
    for (const item of items) yield await handle(item);
    return;
  }
  // The native kernels' thread pool is one per process: with N workers, each op gets cores / N threads
  // (measured at 512², 2 cores, 2 workers: 724 ms/image with 1 thread per op, 806 with the pool shared).
  const native = nativeAddon();
  const threadsBefore = native?.numThreads();
  native?.setNumThreads(Math.max(1, Math.floor(availableParallelism() / count)));
  const pool = new WorkerPool<I, O>(task, count);
  const ahead = Math.max(count, lookAhead ?? 2 * count);
  const pending = new Map<number, Promise<O>>();
  let submitted = 0;
  try {
    for (let want = 0; want < items.length; want++) {
      for (; submitted < Math.min(items.length, want + ahead); submitted++) {
        const p = pool.run(items[submitted]!);
        // Awaited in turn below; an early failure must not surface as an unhandled rejection meanwhile.
        p.catch(() => {});
        pending.set(submitted, p);
      }
      let result: O;
      try {
        result = await pending.get(want)!;
      } catch (err) {
        throw err instanceof WorkerFailure ? err : new Error(`item ${want}: ${(err as Error).message}`);
      }
      pending.delete(want);
      yield result;
    }
  } finally {
    await pool.close();
    if (threadsBefore !== undefined) native?.setNumThreads(threadsBefore);
  }
}
