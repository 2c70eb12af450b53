/**
 * Hostile .safetensors files, generated here: every header field (dtype, shape, data_offsets, __metadata__,
 * names) and the layout of the data section (overlap, gaps, trailing bytes, truncation) out of the format's
 * rules, one case each. Each must be a one-line UserError naming the file and the tensor or field; the files
 * we write must always read back.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { expectUserError } from '../expect-user-error.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { encodeSafetensors } from '../../core/checkpoint/safetensors.js';
import { readSafetensorsFile, writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import type { HostDType, StateDict } from '../../core/host-tensor.js';
import { caseWriter, safetensorsBytes } from './hostile-files.js';

const { dir: tmp, write } = caseWriter('mila-hostile-st-', '.safetensors');

function expectRefused(path: string, pattern: RegExp): void {
  expectUserError(() => loadCheckpoint(path), pattern, `${path}: `);
}

const F32_2 = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
const DATA8 = new Uint8Array(8);

/** A header with tensor 'w' = F32[2] at [0, 8], one field replaced. */
function withField(field: string, v: unknown): Record<string, unknown> {
  return { w: { ...F32_2, [field]: v } };
}

describe('hostile safetensors: one tensor field at a time', () => {
  const cases: { what: string; header: unknown; data?: Uint8Array; error: RegExp }[] = [
    { what: 'an entry that is null', header: { w: null }, error: /tensor 'w': header entry is null, not \{dtype, shape, data_offsets\}/ },
    { what: 'an entry that is a number', header: { w: 3 }, error: /tensor 'w': header entry is 3/ },
    { what: 'an entry that is a string', header: { w: 'F32' }, error: /tensor 'w': header entry is "F32"/ },
    { what: 'an entry that is a list', header: { w: [1, 2] }, error: /tensor 'w': header entry is \[1,2\]/ },
    { what: 'a missing dtype', header: { w: { shape: [2], data_offsets: [0, 8] } }, error: /tensor 'w': unknown dtype undefined/ },
    { what: 'an unknown dtype', header: withField('dtype', 'F128'), error: /tensor 'w': unknown dtype "F128"/ },
    { what: 'a lower-case dtype', header: withField('dtype', 'f32'), error: /tensor 'w': unknown dtype "f32"/ },
    { what: 'a dtype that names an Object method', header: withField('dtype', 'toString'), error: /tensor 'w': unknown dtype "toString"/ },
    { what: 'a dtype that names the prototype', header: withField('dtype', '__proto__'), error: /tensor 'w': unknown dtype "__proto__"/ },
    { what: 'a numeric dtype', header: withField('dtype', 4), error: /tensor 'w': unknown dtype 4/ },
    { what: 'an unsupported format dtype', header: withField('dtype', 'U32'), error: /tensor 'w': unsupported dtype "U32"/ },
    { what: 'an 8-bit float dtype', header: withField('dtype', 'F8_E4M3'), error: /tensor 'w': unsupported dtype "F8_E4M3"/ },
    { what: 'a missing shape', header: { w: { dtype: 'F32', data_offsets: [0, 8] } }, error: /tensor 'w': shape is undefined, not a list/ },
    { what: 'a shape that is a number', header: withField('shape', 2), error: /tensor 'w': shape is 2, not a list/ },
    { what: 'a negative dimension', header: withField('shape', [-2]), error: /tensor 'w': dimension 0 of shape \[-2\] is not a non-negative integer/ },
    { what: 'a fractional dimension', header: withField('shape', [2.5]), error: /tensor 'w': dimension 0 of shape \[2.5\] is not a non-negative integer/ },
    { what: 'a string dimension', header: withField('shape', ['2']), error: /tensor 'w': dimension 0 of shape \["2"\] is not a non-negative integer/ },
    { what: 'a null dimension', header: withField('shape', [null]), error: /tensor 'w': dimension 0 of shape \[null\]/ },
    { what: 'a dimension beyond 2^53', header: withField('shape', [2 ** 60]), error: /tensor 'w': dimension 0 of shape \[1152921504606847000\]/ },
    { what: 'a shape over 2^32 elements', header: withField('shape', [65536, 65537]), error: /tensor 'w': shape \[65536, 65537\] has more than the 2147483647 elements/ },
    { what: 'a shape over 2^53 elements', header: withField('shape', [2 ** 30, 2 ** 30, 2 ** 30]), error: /tensor 'w': shape .* has more than/ },
    { what: 'missing data_offsets', header: { w: { dtype: 'F32', shape: [2] } }, error: /tensor 'w': data_offsets undefined are not \[begin, end\]/ },
    { what: 'negative data_offsets (reading the file backwards)', header: withField('data_offsets', [-64, 0]), error: /tensor 'w': data_offsets \[-64,0\] are not \[begin, end\] with 0 <= begin <= end/ },
    { what: 'data_offsets ending before they begin', header: withField('data_offsets', [8, 0]), error: /tensor 'w': data_offsets \[8,0\]/ },
    { what: 'one data offset', header: withField('data_offsets', [8]), error: /tensor 'w': data_offsets \[8\]/ },
    { what: 'three data offsets', header: withField('data_offsets', [0, 8, 16]), error: /tensor 'w': data_offsets \[0,8,16\]/ },
    { what: 'fractional data_offsets', header: withField('data_offsets', [0, 7.5]), error: /tensor 'w': data_offsets \[0,7.5\]/ },
    { what: 'string data_offsets', header: withField('data_offsets', ['0', '8']), error: /tensor 'w': data_offsets \["0","8"\]/ },
    { what: 'data_offsets as an object', header: withField('data_offsets', { 0: 0, 1: 8 }), error: /tensor 'w': data_offsets \{"0":0,"1":8\}/ },
    { what: 'data_offsets beyond 2^53', header: withField('data_offsets', [0, 2 ** 60]), error: /tensor 'w': data_offsets \[0,1152921504606847000\]/ },
    { what: 'a byte length that does not match the shape', header: withField('data_offsets', [0, 4]), data: new Uint8Array(4), error: /tensor 'w': 4 bytes for shape \[2\] of F32 \(needs 8\)/ },
    { what: 'data past the end of the file', header: { w: { ...F32_2, shape: [4], data_offsets: [0, 16] } }, error: /truncated safetensors file \(tensor 'w' ends past the end of the file\)/ },
    { what: 'a tensor named __proto__', header: { ['__proto__']: F32_2 }, error: /tensor '__proto__': the name is refused/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, () => {
      const json = c.what === 'a tensor named __proto__' ? `{"__proto__":${JSON.stringify(F32_2)}}` : undefined;
      expectRefused(write(safetensorsBytes(c.header, c.data ?? DATA8, json)), c.error);
    });
  }
});

describe('hostile safetensors: layout of the data section', () => {
  const t = (begin: number, end: number, n = (end - begin) / 4) => ({ dtype: 'F32', shape: [n], data_offsets: [begin, end] });
  const cases: { what: string; header: unknown; bytes: number; error: RegExp }[] = [
    { what: 'two tensors on the same bytes', header: { a: t(0, 8), b: t(0, 8) }, bytes: 16, error: /tensor 'b' starts at byte 0: it overlaps after tensor 'a' \(which ends at byte 8\)/ },
    { what: 'a partial overlap', header: { a: t(0, 8), b: t(4, 12) }, bytes: 12, error: /tensor 'b' starts at byte 4: it overlaps after tensor 'a'/ },
    { what: 'a tensor inside another', header: { a: t(0, 16), b: t(4, 8) }, bytes: 16, error: /tensor 'b' starts at byte 4: it overlaps/ },
    { what: 'a gap between tensors', header: { a: t(0, 8), b: t(12, 16) }, bytes: 16, error: /tensor 'b' starts at byte 12: a gap of 4 bytes after tensor 'a'/ },
    { what: 'a gap at the start', header: { a: t(8, 16) }, bytes: 16, error: /tensor 'a' starts at byte 8: a gap of 8 bytes at the start of the data section/ },
    { what: 'bytes after the last tensor', header: { a: t(0, 8) }, bytes: 12, error: /4 bytes after the last tensor's data/ },
    { what: 'a file cut inside the last tensor', header: { a: t(0, 8), b: t(8, 16) }, bytes: 12, error: /truncated safetensors file \(tensor 'b' ends past the end of the file\)/ },
    { what: 'no tensors but data', header: {}, bytes: 4, error: /4 bytes after the last tensor's data/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, () => expectRefused(write(safetensorsBytes(c.header, new Uint8Array(c.bytes))), c.error));
  }

  it('accepts empty tensors sharing an offset, and keeps storage order', () => {
    const path = write(safetensorsBytes({ z: { dtype: 'F32', shape: [0, 3], data_offsets: [4, 4] }, b: t(4, 8), a: t(0, 4) }, new Uint8Array(8)));
    const sd = loadCheckpoint(path);
    expect([...sd.keys()]).toEqual(['a', 'z', 'b']);
    expect(sd.get('z')!.shape).toEqual([0, 3]);
  });
});

describe('hostile safetensors: header and metadata', () => {
  const cases: { what: string; bytes: () => Uint8Array; error: RegExp }[] = [
    { what: 'metadata that is a string', bytes: () => safetensorsBytes({ __metadata__: 'pt', w: F32_2 }, DATA8), error: /__metadata__ is "pt", not a map of strings/ },
    { what: 'metadata that is a list', bytes: () => safetensorsBytes({ __metadata__: ['a'], w: F32_2 }, DATA8), error: /__metadata__ is \["a"\], not a map of strings/ },
    { what: 'metadata that is null', bytes: () => safetensorsBytes({ __metadata__: null, w: F32_2 }, DATA8), error: /__metadata__ is null, not a map of strings/ },
    { what: 'a metadata value that is a number', bytes: () => safetensorsBytes({ __metadata__: { epoch: 3 }, w: F32_2 }, DATA8), error: /__metadata__\.epoch is 3, not a string/ },
    { what: 'a metadata value that is an object', bytes: () => safetensorsBytes({ __metadata__: { cfg: { a: 1 } }, w: F32_2 }, DATA8), error: /__metadata__\.cfg is \{"a":1\}, not a string/ },
    { what: 'a metadata value that is null', bytes: () => safetensorsBytes({ __metadata__: { x: null }, w: F32_2 }, DATA8), error: /__metadata__\.x is null, not a string/ },
    { what: 'a metadata key __proto__', bytes: () => safetensorsBytes(null, DATA8, `{"__metadata__":{"__proto__":"x"},"w":${JSON.stringify(F32_2)}}`), error: /__metadata__ key '__proto__' is refused/ },
    { what: 'a header that is not JSON', bytes: () => safetensorsBytes(null, DATA8, '{"w": '), error: /corrupt safetensors header/ },
    { what: 'a header that is not UTF-8', bytes: () => { const b = safetensorsBytes(null, DATA8, '{"w\u00e9": 1}'); b[11] = 0xff; return b; }, error: /corrupt safetensors header/ },
    { what: 'a header length past the end of the file', bytes: () => { const b = safetensorsBytes({ w: F32_2 }, DATA8); new DataView(b.buffer).setBigUint64(0, 1000n, true); return b; }, error: /truncated safetensors file \(header of 1000 bytes, file of \d+\)/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what}`, () => expectRefused(write(c.bytes()), c.error));
  }

  it('a header length beyond the 100 MB cap or a header not starting with { is not a safetensors file', () => {
    const big = safetensorsBytes({ w: F32_2 }, DATA8);
    new DataView(big.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => readSafetensorsFile(write(big))).toThrow(/not a safetensors file \(bad header\)/);
    expect(() => loadCheckpoint(write(safetensorsBytes(null, DATA8, ' {}')))).toThrow(/not a checkpoint/);
  });

  it('names that mean something to JavaScript objects (constructor, toString, hasOwnProperty) are plain names', () => {
    const path = join(tmp, 'names.safetensors');
    const sd: StateDict = new Map(['constructor', 'toString', 'hasOwnProperty'].map((k, i) => [k, { dtype: 'float32' as const, shape: [1], data: Float32Array.of(i) }]));
    writeSafetensors(path, sd, { constructor: 'a', toString: 'b' });
    const back = readSafetensorsFile(path);
    expect([...back.tensors.keys()]).toEqual(['constructor', 'toString', 'hasOwnProperty']);
    expect([...back.tensors.values()].map((t) => t.data[0])).toEqual([0, 1, 2]);
    expect(Object.entries(back.metadata)).toEqual([['constructor', 'a'], ['toString', 'b']]);
    expect(Object.getPrototypeOf(back.metadata)).toBeNull();
  });
});

const DTYPES: [HostDType, string, number][] = [
  ['float64', 'F64', 8], ['float32', 'F32', 4], ['float16', 'F16', 2], ['bfloat16', 'BF16', 2], ['int64', 'I64', 8],
  ['int32', 'I32', 4], ['int16', 'I16', 2], ['int8', 'I8', 1], ['uint8', 'U8', 1], ['bool', 'BOOL', 1],
];

describe('hostile safetensors: every dtype', () => {
  for (const [dtype, code, size] of DTYPES) {
    it(`${code}: a byte length one element short or long is refused; the exact length reads`, () => {
      for (const n of [2, 4]) {
        const path = write(safetensorsBytes({ w: { dtype: code, shape: [3], data_offsets: [0, n * size] } }, new Uint8Array(n * size)));
        expectRefused(path, new RegExp(`tensor 'w': ${n * size} bytes for shape \\[3\\] of ${code} \\(needs ${3 * size}\\)`));
      }
      const t = loadCheckpoint(write(safetensorsBytes({ w: { dtype: code, shape: [3], data_offsets: [0, 3 * size] } }, new Uint8Array(3 * size)))).get('w')!;
      expect(t).toMatchObject({ dtype, shape: [3] });
      expect(t.data.length).toBe(3);
    });
  }
});

describe('the files we write follow the same rules', () => {
  const f = (shape: number[], n: number) => ({ dtype: 'float32' as const, shape, data: new Float32Array(n) });
  it('refuses a tensor whose data does not match its shape, an invalid shape, a reserved name, non-string metadata', () => {
    expect(() => encodeSafetensors(new Map([['w', f([3], 2)]]))).toThrow(/tensor 'w': 8 bytes of data for shape \[3\] of float32/);
    expect(() => encodeSafetensors(new Map([['w', f([-1], 0)]]))).toThrow(/tensor 'w': dimension 0 of shape \[-1\] is not a non-negative integer/);
    expect(() => encodeSafetensors(new Map([['w', f([1.5], 0)]]))).toThrow(/tensor 'w': dimension 0 of shape \[1.5\]/);
    expect(() => encodeSafetensors(new Map([['__proto__', f([1], 1)]]))).toThrow(/tensor '__proto__': the name is reserved/);
    expect(() => encodeSafetensors(new Map([['__metadata__', f([1], 1)]]))).toThrow(/tensor '__metadata__': the name is reserved/);
    expect(() => encodeSafetensors(new Map([['w', f([1], 1)]]), { epoch: 3 as unknown as string })).toThrow(/metadata 'epoch'/);
  });

  it('every dtype, empty and scalar tensors round-trip through the strict reader', () => {
    const sd: StateDict = new Map();
    for (const [dtype] of DTYPES) {
      sd.set(`${dtype}.scalar`, { dtype, shape: [], data: new (dtype === 'int64' ? BigInt64Array : dtype === 'float64' ? Float64Array : dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : dtype === 'int16' ? Int16Array : dtype === 'int8' ? Int8Array : dtype === 'float16' || dtype === 'bfloat16' ? Uint16Array : Uint8Array)(1) });
    }
    sd.set('empty', f([0, 5], 0));
    const path = join(tmp, 'all.safetensors');
    writeSafetensors(path, sd, { format: 'pt' });
    const back = readSafetensorsFile(path);
    expect([...back.tensors.keys()]).toEqual([...sd.keys()]);
    expect(back.tensors.get('empty')!.shape).toEqual([0, 5]);
  });
});
