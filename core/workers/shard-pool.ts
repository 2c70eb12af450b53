import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { nativeAddon } from '../native/addon.js';

/**
 * Data-parallel work over worker threads, for evaluation and inference: each worker imports a task
 * module, builds its own state once (its own tfjs backend, model, weights), then handles items one at a
 * time; results come back in item order whatever order the workers finish in.
 *
 * A task module is any ES module (the file URL of compiled JS) exporting
 *   createShardHandler(setup: S): Promise<(item: I) => O | Promise<O>>
 * `setup` and items travel by structured clone (plain data, typed arrays), so a task names its model
 * by config and weights path rather than passing tensors. Why threads and not wasm threads: tfjs' wasm
 * backend disables its multi-threaded build under Node (tfjs issue #3830); one single-threaded backend
 * per worker is what uses every core today.
 */
export interface ShardTask<S> {
  /** file: URL (or absolute path) of the task module. */
  module: string;
  setup: S;
}

/** The worker's whole program: load the task, answer items. Kept as source so no build step is needed. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const mod = await import(workerData.module);
  if (typeof mod.createShardHandler !== 'function') throw new Error(workerData.module + ' does not export createShardHandler');
  const handle = await mod.createShardHandler(workerData.setup);
  parentPort.on('message', async (m) => {
    try {
      parentPort.postMessage({ index: m.index, result: await handle(m.item) });
    } catch (e) {
      parentPort.postMessage({ index: m.index, error: (e && e.message) || String(e) });
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

type Message<O> = { ready: true } | { fatal: string } | { index: number; result: O } | { index: number; error: string };

/**
 * Map `items` through the task on `workers` threads and yield results in item order. With one worker
 * (or one item) everything runs in this thread, through the same task module. Workers are terminated
 * when the iteration ends, fails or is abandoned.
 *
 * At most `lookAhead` items past the one the consumer waits for are handed out (default: two per
 * worker), so a slow item or a slow consumer holds back the others instead of piling finished results
 * (whole label maps, say) up in memory: memory stays flat however long the list is.
 */
export async function* mapInWorkers<S, I, O>(items: readonly I[], task: ShardTask<S>, workers: number, lookAhead?: number): AsyncGenerator<O> {
  const moduleUrl = task.module.startsWith('file:') ? task.module : new URL(`file://${task.module}`).href;
  const count = Math.max(1, Math.min(workers, items.length));
  if (count === 1) {
    const mod = (await import(moduleUrl)) as { createShardHandler(s: S): Promise<(item: I) => O | Promise<O>> };
    const handle = await mod.createShardHandler(task.setup);
    for (const item of items) yield await handle(item);
    return;
  }
  // The native kernels' thread pool is one per process: with N workers, each op gets cores / N threads
  // (measured at 512², 2 cores, 2 workers: 724 ms/image with 1 thread per op, 806 with the pool shared).
  const native = nativeAddon();
  const threadsBefore = native?.numThreads();
  native?.setNumThreads(Math.max(1, Math.floor(availableParallelism() / count)));
  const pool = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { module: moduleUrl, setup: task.setup } }));
  const done = new Map<number, O>();
  const ahead = Math.max(count, lookAhead ?? 2 * count);
  const idle: Worker[] = [];
  let want = 0;
  let next = 0;
  let failure: Error | null = null;
  let closing = false;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  const feed = (w: Worker) => {
    if (next < items.length && next < want + ahead) w.postMessage({ index: next, item: items[next++] });
    else idle.push(w);
  };
  for (const [i, w] of pool.entries()) {
    w.on('message', (m: Message<O>) => {
      if ('ready' in m) feed(w);
      else if ('fatal' in m) failure ??= new Error(`worker ${i}: ${m.fatal}`);
      else if ('error' in m) failure ??= new Error(`item ${m.index}: ${m.error}`);
      else {
        done.set(m.index, m.result);
        feed(w);
      }
      notify();
    });
    w.on('error', (e) => {
      failure ??= new Error(`worker ${i}: ${e.message}`);
      notify();
    });
    // Workers only exit when terminated below; one that dies on its own (an abort, out of memory) fails the
    // map instead of leaving the consumer waiting for its items forever.
    w.on('exit', (code) => {
      if (!closing) failure ??= new Error(`worker ${i} exited unexpectedly (code ${code})`);
      notify();
    });
  }
  try {
    for (; want < items.length; want++) {
      while (!done.has(want)) {
        if (failure) throw failure;
        await new Promise<void>((r) => (wake = r));
      }
      const result = done.get(want)!;
      done.delete(want);
      // The window moves on: hand the next items to workers that stopped for it.
      for (const w of idle.splice(0, idle.length)) feed(w);
      yield result;
    }
  } finally {
    closing = true;
    await Promise.all(pool.map((w) => w.terminate()));
    if (threadsBefore !== undefined) native?.setNumThreads(threadsBefore);
  }
}
