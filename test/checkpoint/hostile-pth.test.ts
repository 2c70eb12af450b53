/**
 * Hostile .pth files, generated here: every field of a tensor's description (size, stride, storage offset,
 * the storage's element count and type) and of the zip archive (unreferenced, lying and truncated entries)
 * gets out-of-range values, one case each. Each must end in a one-line UserError naming the file and the
 * tensor or entry, or load to exactly the values PyTorch would give; never a wrong value, never a crash.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { expectUserError } from '../expect-user-error.js';
import { initBackend } from '../../core/backend.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { readPthFile } from '../../core/checkpoint/pth-file.js';
import { MAX_HOST_ELEMENTS, toFloat32 } from '../../core/host-tensor.js';
import { Linear } from '../../core/layers/index.js';
import { RawPickle, caseWriter, f32Bytes, pthZip, stateDictPickle, type PickleValue, type TensorSpec } from './hostile-files.js';

const { write } = caseWriter('mila-hostile-pth-', '.pth');

/** One tensor 'w' over a 4-element float storage [0, 1, 2, 3] unless the case overrides a field. */
function oneTensor(over: Partial<TensorSpec>, storage: Uint8Array = f32Bytes([0, 1, 2, 3])): string {
  const spec: TensorSpec = { name: 'w', key: '0', numel: 4, offset: 0, size: [4], stride: [1], ...over };
  return write(pthZip(stateDictPickle([spec]), { '0': storage }));
}

const NOT_INT: [string, PickleValue][] = [
  ['a float', 1.5],
  ['a string', '4'],
  ['None', null],
  ['a bool', true],
  ['a long beyond 2^53', 2n ** 70n],
  ['NaN', NaN],
  ['a tuple', [1]],
];

describe('hostile .pth: tensor geometry', () => {
  const cases: { what: string; over: Partial<TensorSpec>; error: RegExp }[] = [
    { what: 'negative size', over: { size: [-1], stride: [1] }, error: /tensor 'w': dimension 0 of shape \[-1\] is not a non-negative integer/ },
    { what: 'negative size in a later dimension', over: { size: [2, -3], stride: [1, 1] }, error: /tensor 'w': dimension 1 of shape \[2, -3\]/ },
    { what: 'size product over 2^32 (stride-0 view)', over: { size: [65536, 65537], stride: [0, 0] }, error: new RegExp(`tensor 'w': shape \\[65536, 65537\\] has more than the ${MAX_HOST_ELEMENTS} elements`) },
    { what: 'size product over 2^53', over: { size: [2 ** 27, 2 ** 27], stride: [0, 0] }, error: /tensor 'w': shape \[134217728, 134217728\] has more than/ },
    { what: 'size product overflowing a double', over: { size: Array(40).fill(2 ** 52), stride: Array(40).fill(0) }, error: /tensor 'w': shape .* has more than/ },
    { what: 'size not a tuple', over: { size: 4 }, error: /tensor 'w': size is 4, not a tuple of integers/ },
    { what: 'stride not a tuple', over: { stride: null }, error: /tensor 'w': stride is None, not a tuple of integers/ },
    { what: 'fewer strides than dimensions', over: { size: [2, 2], stride: [1] }, error: /tensor 'w': 1 strides for 2 dimensions/ },
    { what: 'more strides than dimensions', over: { size: [4], stride: [1, 1] }, error: /tensor 'w': 2 strides for 1 dimensions/ },
    { what: 'negative stride', over: { stride: [-1] }, error: /tensor 'w': negative stride -1 in dimension 0 \(PyTorch does not allow negative strides\)/ },
    { what: 'negative stride in a later dimension', over: { size: [2, 2], stride: [2, -1] }, error: /tensor 'w': negative stride -1 in dimension 1/ },
    { what: 'negative storage offset', over: { offset: -1 }, error: /tensor 'w': negative storage offset -1/ },
    { what: 'offset past the storage', over: { offset: 4, size: [1] }, error: /tensor 'w': elements up to 4 .* lie outside its storage archive\/data\/0 of 4 elements/ },
    { what: 'size past the storage', over: { size: [5] }, error: /tensor 'w': elements up to 4 \(offset 0, shape \[5\], stride \[1\]\) lie outside/ },
    { what: 'offset + size past the storage', over: { offset: 1, size: [4] }, error: /tensor 'w': elements up to 4 .* lie outside/ },
    { what: 'stride past the storage', over: { size: [2], stride: [4] }, error: /tensor 'w': elements up to 4 .* lie outside/ },
    { what: 'second dimension past the storage', over: { size: [2, 2], stride: [2, 2] }, error: /tensor 'w': elements up to 4 .* lie outside/ },
    { what: 'huge stride', over: { size: [2], stride: [2 ** 52] }, error: /tensor 'w': elements up to 4503599627370496 .* lie outside/ },
    { what: 'stride whose reach overflows 2^53', over: { size: [3, 3], stride: [2 ** 52, 2 ** 52] }, error: /tensor 'w': elements up to beyond 2\^53/ },
    { what: 'storage count larger than its entry', over: { numel: 5 }, error: /storage archive\/data\/0 of tensor 'w' is truncated \(16 bytes, expected 20\)/ },
    { what: 'storage count negative', over: { numel: -1 }, error: /tensor 'w': storage '0' declares -1 elements/ },
    { what: 'storage count fractional', over: { numel: 2.5 }, error: /tensor 'w': storage '0' declares 2.5 elements/ },
    { what: 'storage count a string', over: { numel: 'x' }, error: /tensor 'w': storage '0' declares "x" elements/ },
    { what: 'storage count beyond 2^53', over: { numel: 2n ** 60n }, error: /tensor 'w': storage '0' declares 1152921504606846976 elements/ },
    { what: 'storage missing from the archive', over: { key: '7' }, error: /storage archive\/data\/7 of tensor 'w' is missing from the archive/ },
    { what: 'storage of an unknown type', over: { storage: 'ComplexFloatStorage' }, error: /refusing to unpickle global 'torch\.ComplexFloatStorage'/ },
  ];
  for (const field of ['size', 'stride', 'offset'] as const) {
    for (const [what, v] of NOT_INT) {
      const over: Partial<TensorSpec> = field === 'offset' ? { offset: v } : field === 'size' ? { size: [v], stride: [1] } : { size: [1], stride: [v] };
      const label = field === 'offset' ? 'storage offset' : `${field}\\[0\\]`;
      cases.push({ what: `${field} ${what}`, over, error: new RegExp(`tensor 'w': ${label} .* is not an integer within 2\\^53`) });
    }
  }

  for (const c of cases) {
    it(`refuses ${c.what}, naming the file and the tensor`, () => {
      const path = oneTensor(c.over);
      expectUserError(() => loadCheckpoint(path), c.error);
      expect(() => loadCheckpoint(path)).toThrow(path.split('/').pop()!);
    });
  }

  it('a persistent id without an element count reads the storage its entry holds (and checks bounds against it)', () => {
    expect(Array.from(loadCheckpoint(oneTensor({ numel: undefined, size: [2], offset: 2 })).get('w')!.data)).toEqual([2, 3]);
    expectUserError(() => loadCheckpoint(oneTensor({ numel: undefined, size: [2], offset: 3 })), /tensor 'w': elements up to 4 .* lie outside its storage archive\/data\/0 of 4 elements/);
  });

  it('refuses a tensor rebuilt without a storage', () => {
    const pickle = new Uint8Array([
      0x80, 0x02, 0x63, ...new TextEncoder().encode('collections\nOrderedDict\n'), 0x29, 0x52,
      0x58, 1, 0, 0, 0, 0x77, // 'w'
      0x63, ...new TextEncoder().encode('torch._utils\n_rebuild_tensor_v2\n'),
      0x28, 0x4e, 0x4b, 0, 0x28, 0x4b, 1, 0x74, 0x28, 0x4b, 1, 0x74, 0x74, 0x52, // (None, 0, (1,), (1,))
      0x73, 0x2e,
    ]);
    const path = write(pthZip(pickle, {}));
    expectUserError(() => loadCheckpoint(path), /tensor 'w': rebuilt without a storage/);
  });
});

const DTYPES: { storage: string; dtype: string; itemSize: number; values: (n: number) => Uint8Array }[] = [
  { storage: 'FloatStorage', dtype: 'float32', itemSize: 4, values: (n) => new Uint8Array(Float32Array.from({ length: n }, (_, i) => i).buffer) },
  { storage: 'DoubleStorage', dtype: 'float64', itemSize: 8, values: (n) => new Uint8Array(Float64Array.from({ length: n }, (_, i) => i).buffer) },
  { storage: 'HalfStorage', dtype: 'float16', itemSize: 2, values: (n) => new Uint8Array(Uint16Array.from({ length: n }, (_, i) => [0, 0x3c00, 0x4000, 0x4200, 0x4400][i]!).buffer) },
  { storage: 'BFloat16Storage', dtype: 'bfloat16', itemSize: 2, values: (n) => new Uint8Array(Uint16Array.from({ length: n }, (_, i) => [0, 0x3f80, 0x4000, 0x4040, 0x4080][i]!).buffer) },
  { storage: 'LongStorage', dtype: 'int64', itemSize: 8, values: (n) => new Uint8Array(BigInt64Array.from({ length: n }, (_, i) => BigInt(i)).buffer) },
  { storage: 'IntStorage', dtype: 'int32', itemSize: 4, values: (n) => new Uint8Array(Int32Array.from({ length: n }, (_, i) => i).buffer) },
  { storage: 'ShortStorage', dtype: 'int16', itemSize: 2, values: (n) => new Uint8Array(Int16Array.from({ length: n }, (_, i) => i).buffer) },
  { storage: 'CharStorage', dtype: 'int8', itemSize: 1, values: (n) => Int8Array.from({ length: n }, (_, i) => i) as unknown as Uint8Array },
  { storage: 'ByteStorage', dtype: 'uint8', itemSize: 1, values: (n) => Uint8Array.from({ length: n }, (_, i) => i) },
  { storage: 'BoolStorage', dtype: 'bool', itemSize: 1, values: (n) => Uint8Array.from({ length: n }, (_, i) => i % 2) },
];

describe('hostile .pth: every dtype', () => {
  for (const d of DTYPES) {
    const bytes = new Uint8Array(d.values(4).buffer.slice(0));
    it(`${d.dtype}: negative stride, out-of-bounds view and short storage are refused; views read through the storage`, () => {
      const spec = (over: Partial<TensorSpec>): string => oneTensor({ storage: d.storage, ...over }, bytes);
      expectUserError(() => loadCheckpoint(spec({ stride: [-1] })), /tensor 'w': negative stride -1/);
      expectUserError(() => loadCheckpoint(spec({ size: [2], stride: [4] })), /tensor 'w': elements up to 4 .* lie outside its storage archive\/data\/0 of 4 elements/);
      expectUserError(() => loadCheckpoint(spec({ numel: 5 })), new RegExp(`is truncated \\(${4 * d.itemSize} bytes, expected ${5 * d.itemSize}\\)`));
      // A transposed view and a stride-0 (expanded) view, as PyTorch would read them.
      const t = loadCheckpoint(spec({ size: [2, 2], stride: [1, 2] })).get('w')!;
      expect(t.dtype).toBe(d.dtype);
      expect(t.view).toBeDefined();
      expect(Array.from(toFloat32(t))).toEqual(d.dtype === 'bool' ? [0, 0, 1, 1] : [0, 2, 1, 3]);
      const e = loadCheckpoint(spec({ size: [3], stride: [0], offset: 3 })).get('w')!;
      expect(Array.from(toFloat32(e))).toEqual(d.dtype === 'bool' ? [1, 1, 1] : [3, 3, 3]);
    });
  }
});

describe('hostile .pth: memory in proportion to the file', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  it('a stride-0 [100000, 10000] view of a 1-element storage loads as a lazy view and is refused by a parameter of another shape before it is materialised', () => {
    const path = write(pthZip(stateDictPickle([{ name: 'weight', key: '0', numel: 1, size: [100000, 10000], stride: [0, 0] }]), { '0': f32Bytes([0.5]) }));
    const rssBefore = process.memoryUsage().rss;
    const t = loadCheckpoint(path).get('weight')!;
    expect(t.shape).toEqual([100000, 10000]);
    expect(t.view).toMatchObject({ offset: 0, stride: [0, 0] });
    expect(t.view!.storage.length).toBe(1);
    const layer = new Linear(3, 2);
    expect(() => layer.loadStateDict(new Map([['weight', t]]), { source: path })).toThrow(/size mismatch for weight/);
    // Neither reading nor the refused load allocated the 4 GB the view describes.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200e6);
    layer.dispose();
  });

  it('a stride-0 view that fits its parameter is materialised into it with the storage value', () => {
    const path = write(pthZip(stateDictPickle([{ name: 'weight', key: '0', numel: 2, offset: 1, size: [2, 3], stride: [0, 0] }]), { '0': f32Bytes([9, 0.25]) }));
    const layer = new Linear(3, 2, false);
    layer.loadStateDict(loadCheckpoint(path), { strict: true });
    expect(Array.from(layer.stateDict().get('weight')!.data)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
    layer.dispose();
  });

  it('overlapping views of one storage read the shared elements (storage read once)', () => {
    const pickle = stateDictPickle([
      { name: 'a', key: '0', numel: 4, size: [3, 2], stride: [1, 1] },
      { name: 'b', key: '0', numel: 4, offset: 2, size: [2], stride: [1] },
    ]);
    const sd = loadCheckpoint(write(pthZip(pickle, { '0': f32Bytes([0, 1, 2, 3]) })));
    expect(Array.from(sd.get('a')!.data)).toEqual([0, 1, 1, 2, 2, 3]);
    expect(Array.from(sd.get('b')!.data)).toEqual([2, 3]);
    expect(sd.get('b')!.data.buffer).toBe(sd.get('a')!.view!.storage.buffer);
  });

  it('an entry no tensor references is never inflated (here: not even valid deflate data)', () => {
    const pickle = stateDictPickle([{ name: 'w', key: '0', numel: 2, size: [2], stride: [1] }]);
    const zip = pthZip(pickle, { '0': f32Bytes([1, 2]), junk: new Uint8Array(1 << 20).fill(7) }, 6);
    // Corrupt the junk entry's deflate stream in place: reading it would fail.
    const name = new TextEncoder().encode('archive/data/junk');
    const local = findLocalHeader(zip, name);
    const dataAt = local + 30 + name.length + (zip[local + 28]! | (zip[local + 29]! << 8));
    zip.fill(0xff, dataAt, dataAt + 64);
    const path = write(zip);
    expect(Array.from(loadCheckpoint(path).get('w')!.data)).toEqual([1, 2]);
  });

  it('a deflated entry inflating past its declared size is stopped at that size', () => {
    const pickle = stateDictPickle([{ name: 'w', key: '0', numel: 2, size: [2], stride: [1] }]);
    // 8 MB of zeros deflate to ~8 KB; the headers then claim the entry holds 8 bytes.
    const zip = pthZip(pickle, { '0': new Uint8Array(8 << 20) }, 6);
    patchSizes(zip, new TextEncoder().encode('archive/data/0'), 8);
    const path = write(zip);
    expectUserError(() => loadCheckpoint(path), /zip entry 'archive\/data\/0' inflates past its declared 8 bytes/);
  });

  it('a declared size that deflate could not reach is refused before anything is allocated', () => {
    const pickle = stateDictPickle([{ name: 'w', key: '0', numel: 2 ** 29, size: [2], stride: [1] }]);
    const zip = pthZip(pickle, { '0': new Uint8Array(1024) }, 6);
    patchSizes(zip, new TextEncoder().encode('archive/data/0'), 2 ** 31);
    expectUserError(() => loadCheckpoint(write(zip)), /entry 'archive\/data\/0' declares 2147483648 bytes, more than \d+ deflated bytes can hold/);
  });

  it('a deflated storage shorter than its tensor needs is truncated, named', () => {
    const pickle = stateDictPickle([{ name: 'w', key: '0', numel: 4, size: [4], stride: [1] }]);
    const zip = pthZip(pickle, { '0': f32Bytes([1, 2]) }, 6);
    patchSizes(zip, new TextEncoder().encode('archive/data/0'), 16);
    expectUserError(() => loadCheckpoint(write(zip)), /zip entry 'archive\/data\/0' is truncated \(inflates to 8 bytes, 16 needed\)/);
  });

  it('reads deflated storages (a re-zipped checkpoint) exactly', () => {
    const values = Array.from({ length: 50000 }, (_, i) => Math.sin(i));
    const pickle = stateDictPickle([{ name: 'w', key: '0', numel: values.length, size: [values.length], stride: [1] }]);
    const sd = loadCheckpoint(write(pthZip(pickle, { '0': f32Bytes(values) }, 6)));
    expect(Array.from(sd.get('w')!.data)).toEqual(Array.from(Float32Array.from(values)));
  });
});

describe('hostile .pth: archive structure', () => {
  const pickle = stateDictPickle([{ name: 'w', key: '0', numel: 1, size: [1], stride: [1] }]);
  const cases: { what: string; bytes: () => Uint8Array; error: RegExp }[] = [
    { what: 'only the zip magic', bytes: () => new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]), error: /truncated or corrupt zip archive \(no end-of-central-directory record\)/ },
    { what: 'a cut archive', bytes: () => pthZip(pickle, { '0': f32Bytes([1]) }).subarray(0, 120), error: /truncated or corrupt zip archive/ },
    { what: 'no data.pkl', bytes: () => zipSync({ 'archive/version': new Uint8Array([51]) }), error: /zip archive without data\.pkl, not a torch\.save checkpoint/ },
    { what: 'an empty data.pkl', bytes: () => pthZip(new Uint8Array(0), {}), error: /truncated pickle/ },
    { what: 'a pickle that stops mid-way', bytes: () => pthZip(pickle.subarray(0, 40), {}), error: /truncated pickle/ },
    { what: 'a pickle with an unknown opcode', bytes: () => pthZip(new Uint8Array([0x80, 0x02, 0xff]), {}), error: /unsupported pickle opcode 0xff/ },
    { what: 'a pickle whose root is not a dict', bytes: () => pthZip(new Uint8Array([0x80, 0x02, 0x4b, 1, 0x2e]), {}), error: /the checkpoint holds no state dict/ },
    { what: 'a dict without tensors', bytes: () => pthZip(new Uint8Array([0x80, 0x02, 0x7d, 0x2e]), {}), error: /the checkpoint holds no tensors/ },
    { what: 'a storage compressed with another method', bytes: () => withMethod(pthZip(pickle, { '0': f32Bytes([1]) }), 'archive/data/0', 12), error: /zip entry 'archive\/data\/0' uses compression method 12/ },
    { what: 'a stored entry whose sizes disagree', bytes: () => { const z = pthZip(pickle, { '0': f32Bytes([1]) }); patchSizes(z, new TextEncoder().encode('archive/data/0'), 40); return z; }, error: /stored entry 'archive\/data\/0' declares 40 bytes but holds 4/ },
    { what: 'a code-running global', bytes: () => pthZip(new Uint8Array([0x80, 0x02, 0x63, ...new TextEncoder().encode('os\nsystem\n'), 0x2e]), {}), error: /refusing to unpickle global 'os\.system'/ },
  ];
  for (const c of cases) {
    it(`refuses ${c.what} in one line naming the file`, () => {
      const path = write(c.bytes());
      expectUserError(() => readPthFile(path), c.error);
      expect(() => readPthFile(path)).toThrow(path.split('/').pop()!);
    });
  }

  it('refuses a data.pkl over the pickle size limit before inflating it', () => {
    const zip = pthZip(new Uint8Array(4096), {}, 6);
    patchSizes(zip, new TextEncoder().encode('archive/data.pkl'), 2 ** 31);
    expectUserError(() => readPthFile(write(zip)), /declares 2147483648 bytes, more than/);
  });

  it('keeps pickle code execution refused inside a tensor (REDUCE of a forbidden global as the storage)', () => {
    const evil = new RawPickle([0x63, ...new TextEncoder().encode('builtins\nexec\n'), 0x28, 0x58, 1, 0, 0, 0, 0x31, 0x74, 0x52]);
    const path = oneTensor({ offset: evil });
    expectUserError(() => loadCheckpoint(path), /refusing to unpickle global 'builtins\.exec'/);
  });
});

function findLocalHeader(zip: Uint8Array, name: Uint8Array): number {
  for (let at = 0; at + 30 + name.length <= zip.length; at++) {
    if (zip[at] === 0x50 && zip[at + 1] === 0x4b && zip[at + 2] === 3 && zip[at + 3] === 4 && name.every((b, i) => zip[at + 30 + i] === b)) return at;
  }
  throw new Error('local header not found');
}

function findCentralHeader(zip: Uint8Array, name: Uint8Array): number {
  for (let at = 0; at + 46 + name.length <= zip.length; at++) {
    if (zip[at] === 0x50 && zip[at + 1] === 0x4b && zip[at + 2] === 1 && zip[at + 3] === 2 && name.every((b, i) => zip[at + 46 + i] === b)) return at;
  }
  throw new Error('central header not found');
}

/** Rewrite an entry's declared uncompressed size in its local and central headers. */
function patchSizes(zip: Uint8Array, name: Uint8Array, size: number): void {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  view.setUint32(findLocalHeader(zip, name) + 22, size >>> 0, true);
  view.setUint32(findCentralHeader(zip, name) + 24, size >>> 0, true);
}

function withMethod(zip: Uint8Array, name: string, method: number): Uint8Array {
  const n = new TextEncoder().encode(name);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  view.setUint16(findLocalHeader(zip, n) + 8, method, true);
  view.setUint16(findCentralHeader(zip, n) + 10, method, true);
  return zip;
}
