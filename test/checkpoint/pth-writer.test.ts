import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { encodePth, mmcvCheckpointValue, stateDictValue, writePth, PickleDict, PickleTuple } from '../../core/checkpoint/pth-writer.js';
import { contiguousStrides } from '../../core/checkpoint/pickle-writer.js';
import { readPthFile } from '../../core/checkpoint/pth-file.js';
import type { HostDType, HostData, HostTensor, StateDict } from '../../core/host-tensor.js';

const FIX = join(import.meta.dirname, 'fixtures', 'pth-writer');
const tmp = mkdtempSync(join(tmpdir(), 'mila-pth-writer-'));
const t = (dtype: HostDType, shape: number[], data: HostData): HostTensor => ({ dtype, shape, data });
const concat = (chunks: Uint8Array[]) => Buffer.concat(chunks);

/** The object make_torch_reference.py saves with torch 1.13 (see fixtures/pth-writer/README.md). */
function referenceObject(): PickleDict {
  const sd: [string, HostTensor][] = [
    ['f32', t('float32', [2, 3], Float32Array.from([0, 1, 2, 3, 4, 5], (x) => x * 0.5 - 1))],
    ['f64', t('float64', [3], Float64Array.from([0.1, -1e300, 3.0]))],
    ['f16', t('float16', [2, 2], Uint16Array.from([0x3e00, 0xc000, 0x3400, 0x7bff]))], // 1.5, -2, 0.25, 65504
    ['bf16', t('bfloat16', [2], Uint16Array.from([0x3fc0, 0xc040]))], // 1.5, -3
    ['bn.num_batches_tracked', t('int64', [], BigInt64Array.from([5n]))],
    ['i64', t('int64', [2], BigInt64Array.from([-3n, 2n ** 40n]))],
    ['i32', t('int32', [4], Int32Array.from([-5, 7, 0, 2 ** 31 - 1]))],
    ['i16', t('int16', [1], Int16Array.from([-300]))],
    ['i8', t('int8', [2], Int8Array.from([-100, 5]))],
    ['u8', t('uint8', [2], Uint8Array.from([200, 1]))],
    ['bool', t('bool', [3], Uint8Array.from([1, 0, 1]))],
    ['empty', t('float32', [0], new Float32Array(0))],
    ['empty3d', t('float32', [2, 0, 3], new Float32Array(0))],
  ];
  for (let i = 0, n = 1001 - sd.length; i < n; i++) sd.push([`many.${i}`, t('float32', [1], Float32Array.of(i))]);
  const meta = new PickleDict([
    ['CLASSES', new PickleTuple(['circle', 'rectangle'])],
    ['PALETTE', [[1, 2, 3], [250, 251, 252]]],
    ['epoch', 12],
    ['iter', 70000],
    ['neg', -7],
    ['flag', true],
    ['nothing', null],
    ['text', 'a\n"b\' \u00fc\u20ac'],
  ]);
  return new PickleDict([
    ['meta', meta],
    ['state_dict', new PickleDict(sd, true)],
  ]);
}

describe('writePth (torch.save format)', () => {
  it('writes the bytes torch 1.13 writes for the same object: zip layout, 64-byte alignment, pickle opcodes and memo, 1000-item batches', () => {
    const ours = concat(encodePth(referenceObject()));
    const torch = readFileSync(join(FIX, 'torch_reference.pth'));
    expect(ours.length).toBe(torch.length);
    expect(Buffer.compare(ours, torch)).toBe(0);
  });

  it('writes floats (BINFLOAT) and ints beyond 32 bits (LONG1) as torch does', () => {
    const nums = new PickleDict([
      ['lr', 1e-4],
      ['half', -1.5],
      ['big', 2 ** 40],
      ['neg_big', -(2 ** 40)],
      ['edge', -(2 ** 31)],
      ['max32', 2 ** 31 - 1],
      ['long', 2n ** 63n - 1n],
    ]);
    expect(Buffer.compare(concat(encodePth(nums)), readFileSync(join(FIX, 'torch_reference_numbers.pth')))).toBe(0);
  });

  it('puts every stored entry at a multiple of 64 bytes, names them archive/data.pkl, archive/data/<key>, archive/version', () => {
    const file = concat(encodePth(referenceObject()));
    const names = Object.keys(unzipSync(file));
    expect(names.slice(0, 4)).toEqual(['archive/data.pkl', 'archive/data/0', 'archive/data/1', 'archive/data/10']);
    expect(names.at(-1)).toBe('archive/version');
    expect(names).toHaveLength(1 + 1001 + 1);
    // Through the central directory (from the end record) to each local header: data = header + name + extra.
    const eocd = file.length - 22;
    expect(file.readUInt32LE(eocd)).toBe(0x06054b50);
    let at = file.readUInt32LE(eocd + 16);
    for (let i = 0; i < file.readUInt16LE(eocd + 10); i++) {
      expect(file.readUInt32LE(at)).toBe(0x02014b50);
      const local = file.readUInt32LE(at + 42);
      const dataAt = local + 30 + file.readUInt16LE(local + 26) + file.readUInt16LE(local + 28);
      expect(dataAt % 64).toBe(0);
      expect(file.subarray(local + 30 + file.readUInt16LE(local + 26)).subarray(0, 2).toString('latin1')).toBe('FB');
      at += 46 + file.readUInt16LE(at + 28);
    }
  });

  it('round-trips every dtype through our reader, with mmcv\'s {meta, state_dict} wrapper and without', () => {
    const sd: StateDict = new Map([
      ['w', t('float32', [2, 2, 1, 3], Float32Array.from({ length: 12 }, (_, i) => Math.fround(i / 7 - 0.5)))],
      ['bn.num_batches_tracked', t('int64', [], BigInt64Array.of(1234n))],
      ['d', t('float64', [2], Float64Array.of(Math.PI, -0))],
      ['h', t('float16', [1], Uint16Array.of(0x3c00))],
      ['b', t('bfloat16', [1], Uint16Array.of(0xbf80))],
      ['i', t('int32', [2], Int32Array.of(-1, 1 << 30))],
      ['s', t('int16', [1], Int16Array.of(-2))],
      ['c', t('int8', [1], Int8Array.of(-128))],
      ['u', t('uint8', [1], Uint8Array.of(255))],
      ['q', t('bool', [2], Uint8Array.of(0, 1))],
      ['z', t('float32', [0, 4], new Float32Array(0))],
    ]);
    for (const [name, root] of [
      ['plain.pth', stateDictValue(sd)],
      ['mmcv.pth', mmcvCheckpointValue(sd, { CLASSES: new PickleTuple(['a']), epoch: 3 })],
    ] as const) {
      const file = join(tmp, name);
      writePth(file, root);
      const back = readPthFile(file);
      expect([...back.keys()]).toEqual([...sd.keys()]);
      for (const [k, v] of sd) {
        const w = back.get(k)!;
        expect(w.dtype, k).toBe(v.dtype);
        expect(w.shape, k).toEqual(v.shape);
        expect(Buffer.compare(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength), Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength)), k).toBe(0);
      }
    }
  });

  it('gives contiguous tensors torch\'s strides (a zero-size dimension counts as one)', () => {
    expect(contiguousStrides([2, 3])).toEqual([3, 1]);
    expect(contiguousStrides([2, 0, 3])).toEqual([3, 3, 1]);
    expect(contiguousStrides([])).toEqual([]);
  });

  it('refuses a tensor whose data does not match its shape', () => {
    expect(() => encodePth(stateDictValue(new Map([['x', t('float32', [2, 2], new Float32Array(3))]])))).toThrow(/shape \[2, 2\] holds 3 values/);
  });
});
