import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainingCheckpoint, saveTrainingCheckpoint } from '../../core/checkpoint/training-checkpoint.js';
import { readSafetensors } from '../../core/checkpoint/safetensors-file.js';
import type { StateDict } from '../../core/host-tensor.js';

describe('training checkpoints', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mila-train-ckpt-'));
  const model: StateDict = new Map([['fc.weight', { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]]);
  const optimizer: StateDict = new Map([
    ['fc.weight.exp_avg', { dtype: 'float32', shape: [2, 2], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) }],
    ['step', { dtype: 'int64', shape: [], data: BigInt64Array.from([7n]) }],
  ]);
  const meta = { iteration: 7, epoch: 1, config: { lr: 1e-4 }, rng: [1, 2, 3] };

  it('writes model, optimizer and sidecar and reads them back', () => {
    const base = join(dir, 'iter_7');
    saveTrainingCheckpoint(base, { model, optimizer, meta });
    for (const f of ['iter_7.safetensors', 'iter_7.optim.safetensors', 'iter_7.json']) expect(existsSync(join(dir, f))).toBe(true);
    // The model file is a plain safetensors state dict (loadable by PyTorch's safetensors.torch.load_file).
    expect([...readSafetensors(`${base}.safetensors`).keys()]).toEqual(['fc.weight']);
    const back = loadTrainingCheckpoint(`${base}.json`);
    expect([...back.model.get('fc.weight')!.data]).toEqual([1, 2, 3, 4]);
    expect([...back.optimizer.get('fc.weight.exp_avg')!.data]).toEqual([...Float32Array.from([0.1, 0.2, 0.3, 0.4])]);
    expect([...back.optimizer.get('step')!.data]).toEqual([7n]);
    expect(back.meta).toEqual(meta);
  });

  it('detects a tensor file that does not belong to its sidecar', () => {
    const base = join(dir, 'broken');
    saveTrainingCheckpoint(base, { model, optimizer, meta });
    writeFileSync(`${base}.optim.safetensors`, readFileSync(join(dir, 'iter_7.safetensors')));
    expect(() => loadTrainingCheckpoint(base)).toThrow(/broken\.optim\.safetensors: size \d+ differs from \d+ recorded in .*broken\.json/);
    expect(() => loadTrainingCheckpoint(join(dir, 'absent'))).toThrow(/absent\.json: not found/);
  });
});
