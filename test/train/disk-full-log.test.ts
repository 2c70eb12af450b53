/**
 * A disk that fills up while training appends to log.jsonl (issue 13, item 4): the run stops with one line naming
 * the file, log.jsonl keeps every line written before (no half line), and the checkpoints written before load.
 * `node:fs` is mocked so that writes to log.jsonl come short and then fail with ENOSPC after a byte budget, as
 * writes do on a full file system.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const disk = vi.hoisted(() => ({ logBudget: Infinity, logFds: new Set<number>() }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const openSync = ((path: string, ...rest: unknown[]) => {
    const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    if (String(path).endsWith('log.jsonl')) disk.logFds.add(fd);
    else disk.logFds.delete(fd);
    return fd;
  }) as typeof fs.openSync;
  const writeSync = ((fd: number, buf: Uint8Array, offset?: number, length?: number) => {
    if (!disk.logFds.has(fd)) return fs.writeSync(fd, buf, offset, length);
    const want = length ?? buf.length - (offset ?? 0);
    if (disk.logBudget === 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    const n = Math.min(want, disk.logBudget);
    disk.logBudget -= n;
    return fs.writeSync(fd, buf, offset, n);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, openSync, writeSync }, openSync, writeSync };
});

const { initBackend } = await import('../../core/backend.js');
const { UserError } = await import('../../core/errors.js');
const { manualSeed } = await import('../../core/rng.js');
const { loadTrainingCheckpoint } = await import('../../core/checkpoint/index.js');
const { Runner, lastCheckpointIn } = await import('../../train/runner.js');
const { TinyModel, tinyConfig, tinyData } = await import('./tiny-model.js');

const dir = mkdtempSync(join(tmpdir(), 'mila-enospc-log-'));
beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('disk full while appending to log.jsonl', () => {
  it('stops the run in one line naming log.jsonl; earlier lines and checkpoints stay whole', async () => {
    manualSeed(1);
    const m = new TinyModel();
    // Logs at iterations 2, 4, 6, 8; checkpoints at 3 and 6. The first line fits, the second is cut short.
    const r = new Runner({ model: m, data: tinyData(7), config: tinyConfig({ logInterval: 2, checkpointInterval: 3 }), workDir: dir, log: () => {}, progressBar: false });
    const log = join(dir, 'log.jsonl');
    let firstLine = '';
    r.registerHook({ priority: 'LOWEST', afterTrainIter: (runner) => {
      if (runner.iter === 2) {
        firstLine = readFileSync(log, 'utf8');
        disk.logBudget = 20;
      }
    } });
    let err: unknown;
    try {
      await r.run();
    } catch (e) {
      err = e;
    }
    disk.logBudget = Infinity;
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`${log}: cannot write the file (ENOSPC: no space left on device, write)`);
    expect(r.iter).toBe(4);
    // Every line written before is there, and nothing of the failed one.
    expect(firstLine).toMatch(/^\{.*"iter":2.*\}\n$/);
    expect(readFileSync(log, 'utf8')).toBe(firstLine);
    expect(lastCheckpointIn(dir)).toBe(join(dir, 'iter_3'));
    expect(loadTrainingCheckpoint(join(dir, 'iter_3')).meta.state).toMatchObject({ iter: 3 });
    r.dispose();
    m.dispose();
  });
});
