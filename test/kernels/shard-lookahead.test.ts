import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { mapInWorkers } from '../../core/workers/worker-pool.js';
import { compiledTaskModule } from '../../core/workers/dist-module.js';

const TASK = fileURLToPath(new URL('./fixtures/handed-out-counter-task.mjs', import.meta.url));

describe('mapInWorkers look-ahead', () => {
  it('hands out no more than lookAhead items past the one the consumer waits for', async () => {
    const counter = new SharedArrayBuffer(4);
    const handed = new Int32Array(counter);
    const items = Array.from({ length: 20 }, (_, i) => i);
    const gen = mapInWorkers<{ counter: SharedArrayBuffer }, number, number>(items, { module: TASK, setup: { counter } }, 2, 3);
    const first = await gen.next();
    expect(first.value).toBe(0);
    // The consumer is busy with item 0: workers, though idle, must not run ahead to items 3..19.
    await new Promise((r) => setTimeout(r, 300));
    expect(Atomics.load(handed, 0)).toBe(3);
    const rest: number[] = [];
    for await (const x of gen) rest.push(x);
    expect(rest).toEqual(items.slice(1));
    expect(Atomics.load(handed, 0)).toBe(20);
  });

  it('worker tasks load dist/: a missing compiled module is a one-line error telling to build', () => {
    expect(() => compiledTaskModule('models/no-such-task.js')).toThrow(/^--workers > 1 needs the compiled dist[/\\]models[/\\]no-such-task\.js; run `npm run build` first \(or pass --workers 1\)$/);
    expect(compiledTaskModule('core/workers/worker-pool.js')).toMatch(/^file:\/\/.*\/dist\/core\/workers\/worker-pool\.js$/);
  });
});
