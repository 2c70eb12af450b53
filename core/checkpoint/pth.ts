import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { unzipSync } from 'fflate';
import { UserError } from '../errors.js';
import { numel, type HostData, type HostTensor, type StateDict } from '../host-tensor.js';
import { ITEM_SIZE, allocHostData, hostDataFromBytes } from './dtypes.js';
import { PyDict, PyTuple, StorageRef, TensorRef, storageDType, unpickle, type PyValue } from './pickle.js';

/** Zip local-file-header magic: torch.save's format since PyTorch 1.6. */
export const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

/** Keys under which training scripts nest the weights (mmcv: state_dict; official MLLA/timm: model). */
const WRAPPER_KEYS = ['state_dict', 'model'];

/**
 * Read a PyTorch checkpoint written by `torch.save` (zip: `<prefix>/data.pkl` + `<prefix>/data/<key>`)
 * into a host state dict in PyTorch layout. `{'model': sd}` / `{'state_dict': sd}` wrappers are unwrapped
 * and non-tensor entries (mmdet `meta`, `optimizer`, ...) skipped. Pickled globals outside a small
 * allow-list are refused, so a malicious file cannot run code.
 */
export function readPth(path: string, bytes?: Uint8Array): StateDict {
  const source = basename(path);
  const data = bytes ?? new Uint8Array(readFileSync(path));
  if (!ZIP_MAGIC.every((b, i) => data[i] === b)) {
    if (data[0] === 0x80) {
      throw new UserError(
        `${path}: legacy (pre-1.6, non-zip) torch.save format is not supported; re-save it with a recent PyTorch (torch.save(torch.load(f), g))`,
      );
    }
    throw new UserError(`${path}: not a PyTorch zip checkpoint`);
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(data);
  } catch (err) {
    throw new UserError(`${path}: truncated or corrupt zip archive (${(err as Error).message})`);
  }
  const names = Object.keys(entries);
  const pklName = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n))[0] ?? names.find((n) => n === 'data.pkl');
  if (!pklName) {
    const hint = names.some((n) => n.endsWith('constants.pkl')) ? ' (a TorchScript archive, not a state dict)' : '';
    throw new UserError(`${path}: zip archive without data.pkl, not a torch.save checkpoint${hint}`);
  }
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const byteorder = entries[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() === 'big') {
    throw new UserError(`${path}: big-endian checkpoints are not supported`);
  }

  const root = unpickle(entries[pklName]!, source, (pid) => storageFromPersistentId(pid, source));
  const sd: StateDict = new Map();
  const dict = unwrap(root);
  if (!dict) throw new UserError(`${path}: the checkpoint holds no state dict`);
  const storageCache = new Map<string, HostData>();
  for (const [k, v] of dict.map) {
    if (typeof k !== 'string' || !(v instanceof TensorRef)) continue; // meta, optimizer, epoch...: not weights
    sd.set(k, materialise(v, entries, prefix, storageCache, path, k));
  }
  if (sd.size === 0) throw new UserError(`${path}: the checkpoint holds no tensors`);
  return sd;
}

function storageFromPersistentId(pid: PyValue, source: string): PyValue {
  const items = pid instanceof PyTuple ? pid.items : [];
  const [tag, type, key, , count] = items;
  if (tag !== 'storage' || typeof key !== 'string') throw new UserError(`${source}: unsupported persistent id in pickle (not a tensor storage)`);
  const n = typeof count === 'bigint' ? Number(count) : typeof count === 'number' ? count : -1;
  return new StorageRef(storageDType(type ?? null, source), key, n);
}

function unwrap(root: PyValue): PyDict | null {
  if (!(root instanceof PyDict)) return null;
  for (const key of WRAPPER_KEYS) {
    const inner = root.map.get(key);
    if (inner instanceof PyDict) return inner;
  }
  return root;
}

function materialise(
  ref: TensorRef,
  entries: Record<string, Uint8Array>,
  prefix: string,
  cache: Map<string, HostData>,
  path: string,
  name: string,
): HostTensor {
  const { dtype, key } = ref.storage;
  const itemSize = ITEM_SIZE[dtype];
  const entryName = `${prefix}data/${key}`;
  const bytes = entries[entryName];
  if (!bytes) throw new UserError(`${path}: storage ${entryName} of tensor '${name}' is missing from the archive`);
  const storageLen = Math.floor(bytes.length / itemSize);
  if (ref.storage.numel >= 0 && storageLen < ref.storage.numel) {
    throw new UserError(`${path}: storage ${entryName} of tensor '${name}' is truncated (${bytes.length} bytes, expected ${ref.storage.numel * itemSize})`);
  }
  const shape = ref.shape;
  const n = numel(shape);
  let last = ref.offset;
  for (let d = 0; d < shape.length; d++) if (shape[d]! > 0) last += (shape[d]! - 1) * ref.stride[d]!;
  if (n > 0 && (ref.offset < 0 || last >= storageLen)) {
    throw new UserError(`${path}: tensor '${name}' reaches past the end of its storage ${entryName}`);
  }
  if (isContiguous(shape, ref.stride)) {
    return { dtype, shape: [...shape], data: hostDataFromBytes(dtype, bytes.subarray(ref.offset * itemSize), n) };
  }
  // A view (transposed, sliced, expanded): gather its elements into a fresh contiguous array.
  let src = cache.get(entryName);
  if (!src) {
    src = hostDataFromBytes(dtype, bytes, storageLen);
    cache.set(entryName, src);
  }
  const out = allocHostData(dtype, n);
  const dst = out as unknown as { [i: number]: number | bigint };
  const s = src as unknown as { [i: number]: number | bigint };
  const idx = new Array<number>(shape.length).fill(0);
  let at = ref.offset;
  for (let o = 0; o < n; o++) {
    dst[o] = s[at]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      at += ref.stride[d]!;
      if (idx[d]! < shape[d]!) break;
      at -= idx[d]! * ref.stride[d]!;
      idx[d] = 0;
    }
  }
  return { dtype, shape: [...shape], data: out };
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}
