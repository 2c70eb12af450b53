import { UserError } from '../errors.js';
import type { HostDType } from '../host-tensor.js';

// Our own restricted unpickler: no npm library offers a safe, allow-listed subset of pickle, and a pickle can run code.

/** Values the restricted unpickler produces. Nothing here ever executes Python-side code. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | PyOpaque
  | StorageRef
  | TensorRef;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** dict, OrderedDict, or a dict subclass such as yacs' CfgNode (kept as plain data). */
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
  constructor(readonly className = 'dict') {}
}

/** A reference to an allow-listed global (a storage type, say), never resolved to real code. */
export class PyGlobal {
  constructor(readonly qualifiedName: string) {}
}

/** Inert metadata (numpy scalars, torch.device): kept so the pickle parses, never interpreted. */
export class PyOpaque {
  constructor(readonly className: string, readonly args: PyValue[]) {}
}

/** torch.save's persistent id for a storage: the zip entry `data/<key>` holds `numel` elements of `dtype`. */
export class StorageRef {
  constructor(readonly dtype: HostDType, readonly key: string, readonly numel: number) {}
}

/** A tensor view on a storage, as `torch._utils._rebuild_tensor_v2` describes it. */
export class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}

const STORAGE_DTYPES: Record<string, HostDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

type Handler = (args: PyValue[], source: string) => PyValue;

function asInt(v: PyValue, what: string, source: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw new UserError(`${source}: malformed checkpoint pickle (${what} is not an integer)`);
}

function asIntList(v: PyValue, what: string, source: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new UserError(`${source}: malformed checkpoint pickle (${what} is not a tuple)`);
  return items.map((x) => asInt(x, what, source));
}

function rebuildTensor(args: PyValue[], source: string): PyValue {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new UserError(`${source}: malformed checkpoint pickle (tensor without a storage)`);
  return new TensorRef(storage, asInt(offset ?? 0, 'storage offset', source), asIntList(size ?? null, 'tensor size', source), asIntList(stride ?? null, 'tensor stride', source));
}

/** The only globals a state dict (plus its usual wrappers' metadata) needs; everything else is refused. */
const ALLOWED_GLOBALS = new Map<string, Handler | null>([
  ['collections.OrderedDict', () => new PyDict('OrderedDict')],
  ['builtins.dict', () => new PyDict()],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_parameter', (args) => args[0] ?? null],
  ['torch._utils._rebuild_parameter_with_state', (args) => args[0] ?? null],
  ['torch._tensor._rebuild_from_type_v2', rebuildFromType],
  ['torch.nn.parameter.Parameter', null],
  ['torch.Tensor', null],
  ['torch.Size', (args) => new PyTuple(args[0] instanceof PyTuple ? args[0].items : Array.isArray(args[0]) ? args[0] : [])],
  ['torch.device', (args) => new PyOpaque('torch.device', args)],
  // Checkpoint metadata found in the wild (mmcv meta, the official MLLA training config): inert data only.
  ['_codecs.encode', (args) => latin1Bytes(args[0])],
  ['numpy.core.multiarray.scalar', (args) => new PyOpaque('numpy.scalar', args)],
  ['numpy.dtype', (args) => new PyOpaque('numpy.dtype', args)],
  ['yacs.config.CfgNode', () => new PyDict('CfgNode')],
  ...Object.keys(STORAGE_DTYPES).map((n): [string, null] => [`torch.${n}`, null]),
]);

function rebuildFromType(args: PyValue[], source: string): PyValue {
  const [func, , inner] = args;
  if (!(func instanceof PyGlobal)) throw new UserError(`${source}: malformed checkpoint pickle (_rebuild_from_type_v2 without a function)`);
  return callGlobal(func, inner instanceof PyTuple ? inner.items : [], source);
}

/** A latin-1 string's bytes (`_codecs.encode(s, 'latin1')`); anything else, a missing argument included, is empty. */
function latin1Bytes(v: PyValue | undefined): Uint8Array {
  const s = typeof v === 'string' ? v : '';
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function resolveGlobal(module: string, name: string, source: string): PyGlobal {
  const q = `${module === '__builtin__' ? 'builtins' : module}.${name}`;
  if (!ALLOWED_GLOBALS.has(q)) {
    throw new UserError(`refusing to unpickle global '${module}.${name}' in ${source}: only state-dict types are allowed`);
  }
  return new PyGlobal(q);
}

function callGlobal(g: PyGlobal, args: PyValue[], source: string): PyValue {
  const handler = ALLOWED_GLOBALS.get(g.qualifiedName);
  if (!handler) throw new UserError(`${source}: malformed checkpoint pickle ('${g.qualifiedName}' is not callable)`);
  return handler(args, source);
}

/** Storage type global -> element dtype (for the persistent ids torch.save writes). */
export function storageDType(g: PyValue, source: string): HostDType {
  const name = g instanceof PyGlobal ? g.qualifiedName.replace(/^torch\./, '') : '';
  const dt = STORAGE_DTYPES[name];
  if (!dt) throw new UserError(`${source}: unsupported tensor storage type ${g instanceof PyGlobal ? g.qualifiedName : typeof g}`);
  return dt;
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;
const decoder = new TextDecoder('utf-8');

/**
 * Run the pickle in `bytes` with a fixed opcode set (what torch.save emits, protocols 2-5) and the
 * allow-list above. `persistentLoad` turns a persistent id (torch's storage tuples) into a value.
 */
export function unpickle(bytes: Uint8Array, source: string, persistentLoad: (pid: PyValue) => PyValue): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let stack: StackItem[] = [];
  const marks: StackItem[][] = [];
  const memo = new Map<number, PyValue>();

  const truncated = (): never => {
    throw new UserError(`${source}: truncated pickle (data.pkl ends at byte ${bytes.length})`);
  };
  const need = (n: number): void => {
    if (pos + n > bytes.length) truncated();
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = Number(view.getBigUint64(pos, true));
    pos += 8;
    return v;
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) truncated();
    const s = decoder.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new UserError(`${source}: malformed pickle (stack underflow at byte ${pos})`);
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new UserError(`${source}: malformed pickle (empty stack at byte ${pos})`);
    return v;
  };
  const popMark = (): PyValue[] => {
    const items = stack as PyValue[];
    const prev = marks.pop();
    if (!prev) throw new UserError(`${source}: malformed pickle (no mark at byte ${pos})`);
    stack = prev;
    return items;
  };
  const setItems = (target: PyValue, items: PyValue[]): void => {
    if (!(target instanceof PyDict)) throw new UserError(`${source}: malformed pickle (SETITEMS on a non-dict)`);
    for (let i = 0; i + 1 < items.length; i += 2) target.map.set(items[i]!, items[i + 1]!);
  };
  const call = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof PyGlobal)) throw new UserError(`${source}: malformed pickle (call of a non-global at byte ${pos})`);
    const list = args instanceof PyTuple ? args.items : Array.isArray(args) ? args : [];
    return callGlobal(fn, list, source);
  };
  const readLong = (n: number): number | bigint => {
    const b = take(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(readLong(u8()));
        break;
      case 0x8b: // LONG4
        stack.push(readLong(u32()));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(decoder.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decoder.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(decoder.decode(take(u64())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(decoder.decode(take(u8())));
        break;
      case 0x54: // BINSTRING
        stack.push(decoder.decode(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(take(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x74: {
        // TUPLE (popMark swaps `stack`, so pop before pushing)
        const items = popMark();
        stack.push(new PyTuple(items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) throw new UserError(`${source}: malformed pickle (APPEND on a non-list)`);
        l.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) throw new UserError(`${source}: malformed pickle (APPENDS on a non-list)`);
        l.push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (Array.isArray(s)) s.push(...items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(resolveGlobal(module, line(), source));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(resolveGlobal(String(module), String(name), source));
        break;
      }
      case 0x69: {
        // INST
        const module = line();
        const g = resolveGlobal(module, line(), source);
        const args = popMark();
        stack.push(call(g, args));
        break;
      }
      case 0x6f: {
        // OBJ
        const [cls, ...args] = popMark();
        stack.push(call(cls ?? null, args));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop(); // kwargs
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: // BUILD: object state (e.g. a state dict's _metadata); plain data, not needed
        pop();
        break;
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistentLoad(line()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number(line()), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const idx = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(line());
        if (!memo.has(idx)) throw new UserError(`${source}: malformed pickle (memo ${idx} unset)`);
        stack.push(memo.get(idx)!);
        break;
      }
      default:
        throw new UserError(`${source}: unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} (not a torch.save state dict)`);
    }
  }
}
