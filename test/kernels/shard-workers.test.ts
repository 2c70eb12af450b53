import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { mapInWorkers, parseWorkerCount } from '../../core/workers/worker-pool.js';
import { NATIVE_ENV, nativeAddon } from '../../core/native/addon.js';

const TASK = fileURLToPath(new URL('./fixtures/square-sum-task.mjs', import.meta.url));

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('mapInWorkers', () => {
  // Item i is [i, i+1, ...] of varying length, so workers finish out of order.
  const items = Array.from({ length: 9 }, (_, i) => Array.from({ length: 1 + ((i * 7) % 5) * 2000 }, (_, j) => (i + j) % 3));
  const expected = items.map((xs) => xs.reduce((s, v) => s + (2 * v) ** 2, 0));

  it('returns results in item order from two workers, each with its own backend', async () => {
    const setup = { scale: 2, firstItemBarrier: new SharedArrayBuffer(4), parties: 2 };
    const results = await collect(mapInWorkers<typeof setup, number[], { value: number; threadId: number }>(items, { module: TASK, setup }, 2));
    expect(results.map((r) => r.value)).toEqual(expected);
    expect(new Set(results.map((r) => r.threadId)).size).toBe(2);
    expect(results.every((r) => r.threadId !== 0)).toBe(true);
  });

  it('runs in this thread with one worker, same results', async () => {
    const results = await collect(mapInWorkers<{ scale: number }, number[], { value: number; threadId: number }>(items, { module: TASK, setup: { scale: 2 } }, 1));
    expect(results.map((r) => r.value)).toEqual(expected);
    expect(results.every((r) => r.threadId === 0)).toBe(true);
  });

  it('reports a failing item by index', async () => {
    const bad = [[1], [Number.NaN], [2]];
    await expect(collect(mapInWorkers(bad, { module: TASK, setup: { scale: 1 } }, 2))).rejects.toThrow(/item 1: NaN input/);
  });

  it.skipIf(process.env[NATIVE_ENV] === '0')('gives each of N workers cores / N native threads, and restores the count after', async () => {
    const addon = nativeAddon()!;
    const before = addon.numThreads();
    const task = { module: fileURLToPath(new URL('./fixtures/native-threads-task.mjs', import.meta.url)), setup: {} };
    const seen = await collect(mapInWorkers<object, number, number>([1, 2, 3, 4], task, 2));
    expect(seen).toEqual([1, 2, 3, 4].map(() => Math.max(1, Math.floor(availableParallelism() / 2))));
    expect(addon.numThreads()).toBe(before);
  });

  it('parses --workers', () => {
    expect(parseWorkerCount('3')).toBe(3);
    expect(parseWorkerCount(undefined)).toBeGreaterThanOrEqual(1);
    expect(() => parseWorkerCount('0')).toThrow(/positive integer/);
    expect(() => parseWorkerCount('two')).toThrow(/positive integer/);
  });
});
