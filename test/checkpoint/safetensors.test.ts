import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, readSafetensorsFile, writeSafetensors } from '../../core/checkpoint/safetensors.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { readPth } from '../../core/checkpoint/pth.js';
import type { StateDict } from '../../core/host-tensor.js';
import { GOLDEN_MILA } from '../fixtures/paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'mila-st-'));
const GOLDEN = join(GOLDEN_MILA, 'tiny_det_64');

describe('safetensors', () => {
  it('round-trips every dtype, shape and metadata', () => {
    const sd: StateDict = new Map([
      ['a.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }],
      ['b', { dtype: 'int64', shape: [], data: BigInt64Array.from([-(2n ** 40n)]) }],
      ['c', { dtype: 'float16', shape: [2], data: Uint16Array.from([0x3c00, 0xc000]) }],
      ['d', { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) }],
      ['e', { dtype: 'int8', shape: [1, 1], data: Int8Array.from([-7]) }],
      ['f', { dtype: 'float64', shape: [1], data: Float64Array.from([Math.PI]) }],
    ]);
    const path = join(tmp, 'rt.safetensors');
    writeSafetensors(path, sd, { format: 'pt' });
    const back = readSafetensorsFile(path);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect([...back.tensors.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      expect(back.tensors.get(k)).toMatchObject({ dtype: t.dtype, shape: t.shape });
      expect([...back.tensors.get(k)!.data]).toEqual([...t.data]);
    }
    // No temporary file left behind by the atomic write.
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Header: u64 length, JSON padded so that the data starts 8-byte aligned (as the reference writer does).
    const raw = readFileSync(path);
    const n = Number(raw.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    expect(JSON.parse(raw.subarray(8, 8 + n).toString())['a.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  });

  it('reads the golden safetensors with the same tensors as the golden .pth', () => {
    const st = readSafetensors(join(GOLDEN, 'tiny_det_64.safetensors'));
    const pth = readPth(join(GOLDEN, 'tiny_det_64.pth'));
    expect(st.size).toBe(192);
    for (const [k, t] of st) {
      const p = pth.get(k)!;
      expect(p.shape).toEqual(t.shape);
      expect(Buffer.compare(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength), Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength))).toBe(0);
    }
    // The keys the .pth has beyond the .safetensors are exactly the 8 int64 BatchNorm counters.
    expect([...pth.keys()].filter((k) => !st.has(k)).every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
  });

  it('one-line errors: missing file, not a checkpoint, truncated file', () => {
    expect(() => loadCheckpoint(join(tmp, 'nope.safetensors'))).toThrow(`checkpoint file not found: ${join(tmp, 'nope.safetensors')}`);
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'hello, not a checkpoint\n');
    expect(() => loadCheckpoint(text)).toThrow(`${text}: not a checkpoint (neither a PyTorch zip .pth nor a .safetensors file)`);
    const full = readFileSync(join(GOLDEN, 'tiny_det_64.safetensors'));
    const cut = join(tmp, 'cut.safetensors');
    writeFileSync(cut, full.subarray(0, full.length - 100));
    expect(() => loadCheckpoint(cut)).toThrow(/cut\.safetensors: truncated safetensors file \(tensor '.*' ends past the end of the file\)/);
    const cutHeader = join(tmp, 'cut-header.safetensors');
    writeFileSync(cutHeader, full.subarray(0, 200));
    expect(() => loadCheckpoint(cutHeader)).toThrow(/cut-header\.safetensors: truncated safetensors file \(header of \d+ bytes, file of 200\)/);
  });
});
