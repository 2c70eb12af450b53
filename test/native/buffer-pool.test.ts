import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../core/native-backend/buffer-pool.js';
import { TensorMemory } from '../../core/native-backend/tensor-memory.js';

const MB = 2 ** 20;

describe('BufferPool (the native backend\'s freed tensor memory)', () => {
  it('size classes are 1/8 of a power of two apart; a request takes its class or one of the next two', () => {
    expect(BufferPool.classOf(8 * MB)).toBe(8 * MB);
    expect(BufferPool.classOf(8 * MB + 1)).toBe(9 * MB);
    expect(BufferPool.classOf(300 * MB)).toBe(320 * MB);
    const pool = new BufferPool(1024 * MB);
    pool.give(new ArrayBuffer(12 * MB));
    expect(pool.take(9 * MB)).toBeUndefined(); // classes 9, 10, 11 MB: none free
    expect(pool.take(10 * MB)!.byteLength).toBe(12 * MB); // classes 10, 11, 12 MB
  });

  it('endStep drops the classes the step did not use and keeps the ones it did', () => {
    const pool = new BufferPool(1024 * MB);
    pool.give(new ArrayBuffer(8 * MB)); // an earlier scale's buffer
    pool.give(new ArrayBuffer(16 * MB));
    const b = pool.take(16 * MB)!;
    pool.markUsed(BufferPool.classOf(20 * MB)); // a request served with a new buffer
    pool.give(b);
    pool.give(new ArrayBuffer(20 * MB));
    expect(pool.freeBytes).toBe(44 * MB);
    expect(pool.endStep()).toBe(8 * MB);
    expect(pool.freeBytes).toBe(36 * MB);
    // The next step starts with no class used: a step that uses none of them drops all.
    expect(pool.endStep()).toBe(36 * MB);
    expect(pool.freeBytes).toBe(0);
  });

  it('trimming past maxFreeBytes drops the least recently used classes first', () => {
    const pool = new BufferPool(20 * MB);
    pool.give(new ArrayBuffer(8 * MB));
    pool.give(new ArrayBuffer(10 * MB));
    pool.give(new ArrayBuffer(12 * MB)); // 30 MB > 20: the 8 MB one (oldest) goes, then the 10 MB one
    expect(pool.freeBytes).toBe(12 * MB);
    expect(pool.take(12 * MB)!.byteLength).toBe(12 * MB);
  });
});

describe('TensorMemory', () => {
  it('counts a buffer once however many tensors share it, reuses it when the last one lets go, and tracks the peak', () => {
    const mem = new TensorMemory(1024 * MB);
    const a = mem.allocate('float32', 2 * MB, false); // 8 MB
    mem.retain(a);
    mem.retain(new Float32Array(a.buffer, 0, 16)); // a view of the same buffer
    expect(mem.inUseBytes).toBe(8 * MB);
    mem.release(a);
    expect(mem.inUseBytes).toBe(8 * MB);
    mem.release(a);
    expect(mem.inUseBytes).toBe(0);
    expect(mem.peakBytes).toBe(8 * MB);
    const b = mem.allocate('float32', 2 * MB, true);
    expect(b.buffer === a.buffer).toBe(true);
    expect(b.every((v) => v === 0)).toBe(true);
  });

  it('a buffer read out through dataSync (escaped) is never handed out again', () => {
    const mem = new TensorMemory(1024 * MB);
    const a = mem.allocate('float32', 2 * MB, false);
    mem.retain(a);
    mem.escape(a);
    mem.release(a);
    expect(mem.allocate('float32', 2 * MB, false).buffer === a.buffer).toBe(false);
  });

  it('multi-scale steps: the pool keeps what the last step used, not every earlier scale', () => {
    const mem = new TensorMemory(4096 * MB);
    const step = (elements: number[]) => {
      const arrays = elements.map((n) => {
        const v = mem.allocate('float32', n, false);
        mem.retain(v);
        return v;
      });
      for (const v of arrays) mem.release(v);
      mem.endStep();
    };
    step([4 * MB, 4 * MB, 2 * MB]); // 16, 16, 8 MB
    step([4 * MB, 4 * MB, 2 * MB]);
    expect(mem.pool.freeBytes).toBe(40 * MB);
    step([6 * MB, 3 * MB]); // another scale: 24 and 12 MB classes, none of the above reused
    expect(mem.pool.freeBytes).toBe(36 * MB);
    step([6 * MB, 3 * MB]);
    expect(mem.pool.freeBytes).toBe(36 * MB);
  });
});
