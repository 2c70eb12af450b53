/**
 * The pickle half of `torch.save`: a protocol-2 pickle of a (nested) state dict, written opcode for opcode as
 * CPython's C pickler writes it for torch 1.13 (memo numbering, batching of 1000 items, which strings repeat), so
 * `torch.load(..., weights_only=True)` reads it and the bytes equal torch's for the same object. Only the
 * vocabulary our reader (`pickle.ts`) accepts is produced: None, bools, ints, floats, strings, lists, tuples,
 * dicts, `collections.OrderedDict` and tensors as `torch._utils._rebuild_tensor_v2` over `torch.*Storage`.
 */
import type { HostDType, HostTensor } from '../host-tensor.js';

/** A Python tuple. */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A dict with string keys: `ordered` pickles as `collections.OrderedDict` (a state dict), otherwise as a plain dict. */
export class PickleDict {
  constructor(
    readonly entries: readonly (readonly [string, PickleValue])[],
    readonly ordered = false,
  ) {}
}

/** A float even when integral (JS numbers that are integers pickle as Python ints). */
export class PickleFloat {
  constructor(readonly value: number) {}
}

/** Python values a checkpoint holds. Arrays are lists; `HostTensor`s become tensors with their own storage. */
export type PickleValue = null | boolean | number | bigint | string | PickleFloat | PickleTuple | PickleDict | PickleValue[] | HostTensor;

/** torch's storage class per element type (what torch.load maps back to a dtype). */
const STORAGE_CLASS: Record<HostDType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

/** pickle's batch size for SETITEMS / APPENDS. */
const BATCH = 1000;

/** A tensor's storage as torch.save names it: key `'0'`, `'1'`, ... in order of first appearance in the pickle. */
export interface PickledStorage {
  key: string;
  tensor: HostTensor;
}

class ByteSink {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  le(value: number, size: 2 | 4): void {
    for (let i = 0; i < size; i++) this.byte((value >>> (8 * i)) & 0xff);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();

function isTensor(v: PickleValue): v is HostTensor {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dtype' in v && 'shape' in v && 'data' in v;
}

/** Row-major strides as torch gives a contiguous tensor (a zero-size dimension counts as 1). */
export function contiguousStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = s;
    s *= Math.max(shape[d]!, 1);
  }
  return stride;
}

/** Python's two's-complement little-endian long encoding (pickle's encode_long), for LONG1. */
function encodeLong(x: bigint): Uint8Array {
  if (x === 0n) return new Uint8Array(0);
  const bits = (x < 0n ? -x - 1n : x).toString(2).length;
  let n = (bits >> 3) + 1;
  const out: number[] = [];
  let v = BigInt.asUintN(8 * n, x);
  for (let i = 0; i < n; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  if (x < 0n && n > 1 && out[n - 1] === 0xff && (out[n - 2]! & 0x80) !== 0) n -= 1;
  return Uint8Array.from(out.slice(0, n));
}

class Pickler {
  readonly out = new ByteSink();
  readonly storages: PickledStorage[] = [];
  private memoSize = 0;
  /** Memo slots of objects Python shares by identity: globals, and the constant strings 'storage' and 'cpu'. */
  private readonly shared = new Map<string, number>();

  private put(): void {
    const idx = this.memoSize++;
    if (idx < 256) {
      this.out.byte(0x71); // BINPUT
      this.out.byte(idx);
    } else {
      this.out.byte(0x72); // LONG_BINPUT
      this.out.le(idx, 4);
    }
  }

  private get(idx: number): void {
    if (idx < 256) {
      this.out.byte(0x68); // BINGET
      this.out.byte(idx);
    } else {
      this.out.byte(0x6a); // LONG_BINGET
      this.out.le(idx, 4);
    }
  }

  /** Write once, fetch from the memo afterwards (Python memoizes by object identity). */
  private once(token: string, write: () => void): void {
    const idx = this.shared.get(token);
    if (idx !== undefined) return this.get(idx);
    write();
    this.shared.set(token, this.memoSize - 1);
  }

  private global(module: string, name: string): void {
    this.once(`global ${module}.${name}`, () => {
      this.out.byte(0x63); // GLOBAL
      this.out.bytes(utf8.encode(`${module}\n${name}\n`));
      this.put();
    });
  }

  private str(s: string): void {
    const b = utf8.encode(s);
    this.out.byte(0x58); // BINUNICODE
    this.out.le(b.length, 4);
    this.out.bytes(b);
    this.put();
  }

  private int(x: number | bigint): void {
    if (typeof x === 'number' && !Number.isSafeInteger(x)) throw new Error(`pickle: ${x} is not an exact integer`);
    const big = BigInt(x);
    if (big >= 0n && big <= 0xffn) {
      this.out.byte(0x4b); // BININT1
      this.out.byte(Number(big));
    } else if (big >= 0n && big <= 0xffffn) {
      this.out.byte(0x4d); // BININT2
      this.out.le(Number(big), 2);
    } else if (big >= -0x80000000n && big <= 0x7fffffffn) {
      this.out.byte(0x4a); // BININT
      this.out.le(Number(BigInt.asUintN(32, big)), 4);
    } else {
      const b = encodeLong(big);
      if (b.length > 255) throw new Error('pickle: integer too large');
      this.out.byte(0x8a); // LONG1
      this.out.byte(b.length);
      this.out.bytes(b);
    }
  }

  private float(x: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, false);
    this.out.byte(0x47); // BINFLOAT
    this.out.bytes(b);
  }

  private tuple(items: readonly PickleValue[]): void {
    if (items.length === 0) return this.out.byte(0x29); // EMPTY_TUPLE (never memoized)
    if (items.length <= 3) {
      for (const v of items) this.save(v);
      this.out.byte([0x85, 0x86, 0x87][items.length - 1]!); // TUPLE1..3
    } else {
      this.out.byte(0x28); // MARK
      for (const v of items) this.save(v);
      this.out.byte(0x74); // TUPLE
    }
    this.put();
  }

  /** C pickle's batch_list_exact: one item is APPEND; otherwise MARK ... APPENDS per 1000. */
  private list(items: readonly PickleValue[]): void {
    this.out.byte(0x5d); // EMPTY_LIST
    this.put();
    if (items.length === 1) {
      this.save(items[0]!);
      this.out.byte(0x61); // APPEND
      return;
    }
    for (let i = 0; i < items.length; i += BATCH) {
      this.out.byte(0x28);
      for (const v of items.slice(i, i + BATCH)) this.save(v);
      this.out.byte(0x65); // APPENDS
    }
  }

  private setItems(entries: readonly (readonly [string, PickleValue])[], exactDict: boolean): void {
    const pair = ([k, v]: readonly [string, PickleValue]) => {
      this.str(k);
      this.save(v);
    };
    if (entries.length === 0) return;
    if (exactDict) {
      // C pickle's batch_dict_exact: a single item is SETITEM; otherwise MARK ... SETITEMS per 1000, and a size
      // that is a multiple of 1000 ends with an empty MARK SETITEMS.
      if (entries.length === 1) {
        pair(entries[0]!);
        this.out.byte(0x73); // SETITEM
        return;
      }
      let i = 0;
      do {
        this.out.byte(0x28);
        const end = Math.min(i + BATCH, entries.length);
        const full = end - i === BATCH;
        for (; i < end; i++) pair(entries[i]!);
        this.out.byte(0x75); // SETITEMS
        if (!full) break;
      } while (true);
      return;
    }
    // batch_dict over an items iterator (OrderedDict.__reduce__): a lone last item is SETITEM.
    for (let i = 0; i < entries.length; i += BATCH) {
      const batch = entries.slice(i, i + BATCH);
      if (batch.length === 1) {
        pair(batch[0]!);
        this.out.byte(0x73);
      } else {
        this.out.byte(0x28);
        for (const e of batch) pair(e);
        this.out.byte(0x75);
      }
    }
  }

  private dict(d: PickleDict): void {
    if (d.ordered) {
      // OrderedDict.__reduce__: (OrderedDict, (), None, None, iter(items))
      this.global('collections', 'OrderedDict');
      this.out.byte(0x29); // EMPTY_TUPLE
      this.out.byte(0x52); // REDUCE
      this.put();
      this.setItems(d.entries, false);
    } else {
      this.out.byte(0x7d); // EMPTY_DICT
      this.put();
      this.setItems(d.entries, true);
    }
  }

  /** Tensor.__reduce_ex__ in torch 1.13: _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict()). */
  private tensor(t: HostTensor): void {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`pickle: tensor of shape [${t.shape.join(', ')}] holds ${t.data.length} values`);
    const key = String(this.storages.length);
    this.storages.push({ key, tensor: t });
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.out.byte(0x28); // MARK (the argument tuple has 6 items)
    // persistent id ('storage', torch.<Type>Storage, key, 'cpu', numel)
    this.out.byte(0x28);
    this.once('str storage', () => this.str('storage'));
    this.global('torch', STORAGE_CLASS[t.dtype]);
    this.str(key);
    this.once('str cpu', () => this.str('cpu'));
    this.int(n);
    this.out.byte(0x74); // TUPLE
    this.put();
    this.out.byte(0x51); // BINPERSID
    this.int(0);
    this.tuple(t.shape);
    this.tuple(contiguousStrides(t.shape));
    this.out.byte(0x89); // NEWFALSE: requires_grad
    this.global('collections', 'OrderedDict'); // backward hooks: OrderedDict()
    this.out.byte(0x29);
    this.out.byte(0x52);
    this.put();
    this.out.byte(0x74); // TUPLE
    this.put();
    this.out.byte(0x52); // REDUCE
    this.put();
  }

  save(v: PickleValue): void {
    if (v === null) this.out.byte(0x4e); // NONE
    else if (v === true) this.out.byte(0x88); // NEWTRUE
    else if (v === false) this.out.byte(0x89); // NEWFALSE
    else if (typeof v === 'bigint') this.int(v);
    else if (typeof v === 'number') Number.isInteger(v) ? this.int(v) : this.float(v);
    else if (typeof v === 'string') this.str(v);
    else if (v instanceof PickleFloat) this.float(v.value);
    else if (v instanceof PickleTuple) this.tuple(v.items);
    else if (v instanceof PickleDict) this.dict(v);
    else if (Array.isArray(v)) this.list(v);
    else if (isTensor(v)) this.tensor(v);
    else throw new Error('pickle: unsupported value');
  }
}

/** The pickle bytes of `root` (PROTO 2 ... STOP) and the storages it refers to, in key order '0', '1', ... */
export function pickleCheckpoint(root: PickleValue): { pickle: Uint8Array; storages: PickledStorage[] } {
  const p = new Pickler();
  p.out.byte(0x80); // PROTO
  p.out.byte(2);
  p.save(root);
  p.out.byte(0x2e); // STOP
  return { pickle: p.out.result(), storages: p.storages };
}
