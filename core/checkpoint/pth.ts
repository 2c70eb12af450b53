import { UserError } from '../errors.js';
import { shapeProblem, type HostData, type HostDType, type HostTensor, type StateDict } from '../host-tensor.js';
import { ITEM_SIZE, hostDataOver } from './dtypes.js';
import { PyDict, PyTuple, StorageRef, TensorRef, storageDType, unpickle, type PyValue } from './pickle.js';
import { viewTensor } from './strided-view.js';
import { readZipDirectory, readZipEntry, type ZipEntry } from './zip-archive.js';

/** Zip local-file-header magic: torch.save's format since PyTorch 1.6. */
export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Keys under which training scripts nest the weights (mmcv: state_dict; official MLLA/timm: model). */
const WRAPPER_KEYS = ['state_dict', 'model'];

/**
 * Read a PyTorch checkpoint written by `torch.save` (zip: `<prefix>/data.pkl` + `<prefix>/data/<key>`)
 * into a host state dict in PyTorch layout. `{'model': sd}` / `{'state_dict': sd}` wrappers are unwrapped
 * and non-tensor entries (mmdet `meta`, `optimizer`, ...) skipped. Pickled globals outside a small
 * allow-list are refused, so a malicious file cannot run code. `path` names the bytes' origin (file path, URL
 * or file name) in errors; reading files is core/checkpoint/pth-file.ts's job, so this runs in a browser too.
 */
export function readPth(path: string, data: Uint8Array): StateDict {
  const source = path.split(/[\\/]/).pop() ?? path;
  if (!ZIP_MAGIC.every((b, i) => data[i] === b)) {
    if (data[0] === 0x80) {
      throw new UserError(
        `${path}: legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with a recent PyTorch (torch.save(torch.load(f), g))`,
      );
    }
    throw new UserError(`${path}: not a PyTorch zip checkpoint`);
  }
  const entries = readZipDirectory(data, path);
  const names = [...entries.keys()];
  const pklName = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n))[0] ?? names.find((n) => n === 'data.pkl');
  if (!pklName) {
    const hint = names.some((n) => n.endsWith('constants.pkl')) ? ' (a TorchScript archive, not a state dict)' : '';
    throw new UserError(`${path}: zip archive without data.pkl, not a torch.save checkpoint${hint}`);
  }
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(readZipEntry(data, byteorder, Math.min(byteorder.size, 16), path)).trim() === 'big') {
    throw new UserError(`${path}: big-endian checkpoints are not supported`);
  }
  const pkl = entries.get(pklName)!;
  if (pkl.size > MAX_PICKLE_BYTES) throw new UserError(`${path}: ${pklName} declares ${pkl.size} bytes, more than the ${MAX_PICKLE_BYTES} a state dict's pickle may have`);

  const root = unpickle(readZipEntry(data, pkl, pkl.size, path), source, (pid) => storageFromPersistentId(pid, source));
  const sd: StateDict = new Map();
  const dict = unwrap(root);
  if (!dict) throw new UserError(`${path}: the checkpoint holds no state dict`);
  // Only the storages a kept tensor references are read (each once, shared by its views): an entry no tensor
  // uses is never inflated.
  const storages = new StorageReader(data, entries, prefix, path);
  for (const [k, v] of dict.map) {
    if (typeof k !== 'string' || !(v instanceof TensorRef)) continue; // meta, optimizer, epoch...: not weights
    sd.set(k, tensorFromRef(v, storages, path, k));
  }
  if (sd.size === 0) throw new UserError(`${path}: the checkpoint holds no tensors`);
  return sd;
}

/** data.pkl holds names and tensor descriptions only; a real state dict's is a few MB at most. */
const MAX_PICKLE_BYTES = 1 << 30;

function storageFromPersistentId(pid: PyValue, source: string): PyValue {
  const items = pid instanceof PyTuple ? pid.items : [];
  const [tag, type, key, , count] = items;
  if (tag !== 'storage' || typeof key !== 'string') throw new UserError(`${source}: unsupported persistent id in pickle (not a tensor storage)`);
  return new StorageRef(storageDType(type ?? null, source), key, count);
}

function unwrap(root: PyValue): PyDict | null {
  if (!(root instanceof PyDict)) return null;
  for (const key of WRAPPER_KEYS) {
    const inner = root.map.get(key);
    if (inner instanceof PyDict) return inner;
  }
  return root;
}

/** The storages of one archive, read on first use and cached by key (raw bytes) and by key and dtype (typed view). */
class StorageReader {
  private readonly raw = new Map<string, Uint8Array>();
  private readonly typed = new Map<string, HostData>();

  constructor(
    private readonly data: Uint8Array,
    private readonly entries: Map<string, ZipEntry>,
    private readonly prefix: string,
    private readonly path: string,
  ) {}

  entryName(ref: StorageRef): string {
    return `${this.prefix}data/${ref.key}`;
  }

  /** The storage's elements: `ref.numel` of them (PyTorch's count), or as many as its entry holds if absent. */
  get(ref: StorageRef, tensor: string): HostData {
    const name = this.entryName(ref);
    const count = ref.numel === undefined ? -1 : typeof ref.numel === 'bigint' ? Number(ref.numel) : ref.numel;
    if (ref.numel !== undefined && !(typeof count === 'number' && Number.isSafeInteger(count) && count >= 0)) {
      throw new UserError(`${this.path}: tensor '${tensor}': storage '${ref.key}' declares ${describePy(ref.numel)} elements (not a non-negative integer)`);
    }
    const numel = count as number;
    const cacheKey = `${ref.key}\0${ref.dtype}\0${numel}`;
    const cached = this.typed.get(cacheKey);
    if (cached) return cached;
    const entry = this.entries.get(name);
    if (!entry) throw new UserError(`${this.path}: storage ${name} of tensor '${tensor}' is missing from the archive`);
    const itemSize = ITEM_SIZE[ref.dtype];
    const want = numel >= 0 ? numel * itemSize : entry.size - (entry.size % itemSize);
    if (want > entry.size) {
      throw new UserError(`${this.path}: storage ${name} of tensor '${tensor}' is truncated (${entry.size} bytes, expected ${want})`);
    }
    let bytes = this.raw.get(name);
    if (!bytes || bytes.length < want) {
      bytes = readZipEntry(this.data, entry, want, this.path);
      this.raw.set(name, bytes);
    }
    const typed = hostDataOver(ref.dtype, bytes.subarray(0, want));
    this.typed.set(cacheKey, typed);
    return typed;
  }
}

/**
 * The host tensor `ref` describes, after checking its geometry against its storage (PyTorch's own rules:
 * non-negative sizes, strides and offset, every element inside the storage). A contiguous tensor is a view of
 * the storage's memory; any other layout (transposed, stride 0, overlapping) a lazy view gathered on first use.
 */
function tensorFromRef(ref: TensorRef, storages: StorageReader, path: string, name: string): HostTensor {
  const where = `${path}: tensor '${name}'`;
  if (!(ref.storage instanceof StorageRef)) throw new UserError(`${where}: rebuilt without a storage (malformed pickle)`);
  const shape = intTuple(ref.size, 'size', where);
  const stride = intTuple(ref.stride, 'stride', where);
  const offset = intValue(ref.offset, 'storage offset', where);
  const problem = shapeProblem(shape);
  if (problem) throw new UserError(`${where}: ${problem}`);
  if (stride.length !== shape.length) throw new UserError(`${where}: ${stride.length} strides for ${shape.length} dimensions`);
  for (const [d, s] of stride.entries()) {
    if (s < 0) throw new UserError(`${where}: negative stride ${s} in dimension ${d} (PyTorch does not allow negative strides)`);
  }
  if (offset < 0) throw new UserError(`${where}: negative storage offset ${offset}`);
  const storage = storages.get(ref.storage, name);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return { dtype: ref.storage.dtype, shape: [...shape], data: storage.subarray(0, 0) };
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d]! - 1) * stride[d]!;
  if (!Number.isSafeInteger(last) || last >= storage.length) {
    throw new UserError(
      `${where}: elements up to ${Number.isSafeInteger(last) ? last : 'beyond 2^53'} (offset ${offset}, shape [${shape.join(', ')}], stride [${stride.join(', ')}]) ` +
        `lie outside its storage ${storages.entryName(ref.storage)} of ${storage.length} elements`,
    );
  }
  const dtype: HostDType = ref.storage.dtype;
  if (isContiguous(shape, stride)) return { dtype, shape: [...shape], data: storage.subarray(offset, offset + n) };
  return viewTensor(dtype, [...shape], { storage, offset, stride: [...stride] }, where);
}

/** A pickled integer (int or long) as a number; anything else, or a long beyond 2^53, is an error naming `what`. */
function intValue(v: PyValue, what: string, where: string): number {
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n === 'number' && Number.isSafeInteger(n)) return n;
  throw new UserError(`${where}: ${what} ${describePy(v)} is not an integer within 2^53`);
}

function intTuple(v: PyValue, what: string, where: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new UserError(`${where}: ${what} is ${describePy(v)}, not a tuple of integers`);
  return items.map((x, d) => intValue(x, `${what}[${d}]`, where));
}

function describePy(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return `a ${v.constructor.name}`;
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}
