/**
 * A disk that fills up while a checkpoint is written: the error names the file, no temporary file is left,
 * and the previous checkpoint at that path still loads. `node:fs` is mocked so that writes fail with ENOSPC
 * after a byte budget, as they do on a full file system.
 */
import { describe, expect, it, vi } from 'vitest';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const disk = vi.hoisted(() => ({ budget: Infinity }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((fd: number, buf: Uint8Array, offset?: number, length?: number) => {
    const want = length ?? buf.length - (offset ?? 0);
    if (want > disk.budget) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    disk.budget -= want;
    return fs.writeSync(fd, buf, offset, length);
  }) as typeof fs.writeSync;
  return { ...fs, default: { ...fs, writeSync }, writeSync };
});

const { loadTrainingCheckpoint, saveTrainingCheckpoint } = await import('../../core/checkpoint/training-checkpoint.js');
const { UserError } = await import('../../core/errors.js');

describe('disk full while saving a checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mila-enospc-'));
  const sd = (v: number) => new Map([['w', { dtype: 'float32' as const, shape: [1024], data: new Float32Array(1024).fill(v) }]]);

  for (const what of ['model', 'optimizer', 'sidecar'] as const) {
    it(`full while writing the ${what} file: one line naming it, no temporary file, the previous checkpoint loads`, () => {
      const previous = join(dir, `iter_1_${what}`);
      const next = join(dir, `iter_2_${what}`);
      disk.budget = Infinity;
      saveTrainingCheckpoint(previous, { model: sd(1), optimizer: sd(2), meta: { iter: 1 } });
      const size = (f: string) => statSync(f).size;
      disk.budget = { model: 1000, optimizer: size(`${previous}.safetensors`) + 100, sidecar: size(`${previous}.safetensors`) + size(`${previous}.optim.safetensors`) + 10 }[what];
      let err: unknown;
      try {
        saveTrainingCheckpoint(next, { model: sd(3), optimizer: sd(4), meta: { iter: 2 } });
      } catch (e) {
        err = e;
      }
      disk.budget = Infinity;
      expect(err).toBeInstanceOf(UserError);
      const file = { model: `${next}.safetensors`, optimizer: `${next}.optim.safetensors`, sidecar: `${next}.json` }[what];
      expect((err as Error).message).toBe(`${file}: cannot write the file (ENOSPC: no space left on device, write)`);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const back = loadTrainingCheckpoint(previous);
      expect(back.meta).toEqual({ iter: 1 });
      expect(back.model.get('w')!.data[0]).toBe(1);
      // The incomplete new set has no sidecar (written last), so it is never taken for a checkpoint.
      expect(() => loadTrainingCheckpoint(next)).toThrow(/iter_2_.*\.json: not found/);
    });
  }
});
