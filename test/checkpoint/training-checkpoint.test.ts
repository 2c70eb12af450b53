import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrainingCheckpoint, loadTrainingCheckpointModel, saveTrainingCheckpoint } from '../../core/checkpoint/training-checkpoint.js';
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

  it('detects a same-size file of another checkpoint by its content hash', () => {
    const a = join(dir, 'iter_1');
    const b = join(dir, 'iter_2');
    saveTrainingCheckpoint(a, { model, optimizer, meta });
    const other: StateDict = new Map([['fc.weight', { dtype: 'float32', shape: [2, 2], data: Float32Array.from([5, 6, 7, 8]) }]]);
    saveTrainingCheckpoint(b, { model: other, optimizer, meta });
    const sidecarA = JSON.parse(readFileSync(`${a}.json`, 'utf8'));
    expect(sidecarA.files.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(`${a}.safetensors`, readFileSync(`${b}.safetensors`));
    expect(() => loadTrainingCheckpoint(a)).toThrow(/iter_1\.safetensors: content differs from the SHA-256 recorded in .*iter_1\.json/);
    // test/infer given the checkpoint as a set (base path or sidecar) check the model file the same way.
    expect(() => loadTrainingCheckpointModel(`${a}.json`)).toThrow(/iter_1\.safetensors: content differs from the SHA-256 recorded in .*iter_1\.json/);
    expect([...loadTrainingCheckpointModel(b).model.get('fc.weight')!.data]).toEqual([5, 6, 7, 8]);
    // A partial copy of the optimizer file (same length, zeroed tail) is caught the same way.
    const optim = readFileSync(`${b}.optim.safetensors`);
    optim.fill(0, optim.length - 8);
    writeFileSync(`${b}.optim.safetensors`, optim);
    expect(() => loadTrainingCheckpoint(b)).toThrow(/iter_2\.optim\.safetensors: content differs from the SHA-256/);
  });

  it('still loads a sidecar written before hashes were recorded (sizes only)', () => {
    const base = join(dir, 'old');
    saveTrainingCheckpoint(base, { model, optimizer, meta });
    const sidecar = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    delete sidecar.files.model.sha256;
    delete sidecar.files.optimizer.sha256;
    writeFileSync(`${base}.json`, JSON.stringify(sidecar));
    expect([...loadTrainingCheckpoint(base).model.get('fc.weight')!.data]).toEqual([1, 2, 3, 4]);
  });
});
