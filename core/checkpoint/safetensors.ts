import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { numel, type HostDType, type StateDict } from '../host-tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import { ITEM_SIZE, bytesOf, hostDataFromBytes } from './dtypes.js';

const TO_SAFETENSORS: Record<HostDType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_SAFETENSORS: Record<string, HostDType> = Object.fromEntries(Object.entries(TO_SAFETENSORS).map(([k, v]) => [v, k as HostDType]));

/** Headers larger than this are not safetensors files (the reference implementation caps at 100 MB). */
const MAX_HEADER = 100_000_000;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsFile {
  tensors: StateDict;
  /** The `__metadata__` string map, empty if absent. */
  metadata: Record<string, string>;
}

/** True if `bytes` starts like a safetensors file: a plausible u64 header length followed by '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return n > 1 && n <= MAX_HEADER && bytes[8] === 0x7b;
}

/** Read a .safetensors file (tensors in file order, plus its metadata). */
export function readSafetensorsFile(path: string, bytes?: Uint8Array): SafetensorsFile {
  const data = bytes ?? new Uint8Array(readFileSync(path));
  if (data.length < 8) throw new UserError(`${path}: truncated safetensors file (${data.length} bytes)`);
  const headerLen = Number(new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER || data[8] !== 0x7b) throw new UserError(`${path}: not a safetensors file (bad header)`);
  if (8 + headerLen > data.length) throw new UserError(`${path}: truncated safetensors file (header of ${headerLen} bytes, file of ${data.length})`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(data.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  } catch (err) {
    throw new UserError(`${path}: corrupt safetensors header (${(err as Error).message})`);
  }
  const body = data.subarray(8 + headerLen);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, HeaderEntry][];
  // Tensors come back in storage order, which is the order they were written.
  entries.sort((a, b) => (a[1].data_offsets?.[0] ?? 0) - (b[1].data_offsets?.[0] ?? 0));
  const tensors: StateDict = new Map();
  for (const [name, e] of entries) {
    const dtype = FROM_SAFETENSORS[e.dtype];
    if (!dtype) throw new UserError(`${path}: tensor '${name}' has unsupported dtype ${e.dtype}`);
    if (!Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) throw new UserError(`${path}: corrupt header entry for '${name}'`);
    const [begin, end] = e.data_offsets;
    const n = numel(e.shape);
    if (end - begin !== n * ITEM_SIZE[dtype]) {
      throw new UserError(`${path}: tensor '${name}' has ${end - begin} bytes for shape [${e.shape.join(', ')}] of ${e.dtype}`);
    }
    if (end > body.length) throw new UserError(`${path}: truncated safetensors file (tensor '${name}' ends past the end of the file)`);
    tensors.set(name, { dtype, shape: [...e.shape], data: hostDataFromBytes(dtype, body.subarray(begin, end), n) });
  }
  return { tensors, metadata };
}

/** Read a .safetensors file's tensors as a state dict. */
export function readSafetensors(path: string): StateDict {
  return readSafetensorsFile(path).tensors;
}

/** Encode a state dict as safetensors bytes (header padded to 8 bytes, tensors in insertion order). */
export function encodeSafetensors(sd: StateDict, metadata?: Record<string, string>): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of sd) {
    const bytes = bytesOf(t.data);
    const expected = numel(t.shape) * ITEM_SIZE[t.dtype];
    if (bytes.length !== expected) {
      throw new Error(`tensor '${name}': ${bytes.length} bytes of data for shape [${t.shape.join(', ')}] of ${t.dtype}`);
    }
    header[name] = { dtype: TO_SAFETENSORS[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    chunks.push(bytes);
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [prefix, headerBytes, ...chunks];
}

/** Write a state dict as .safetensors, atomically (temporary file in the same directory, fsync, rename). */
export function writeSafetensors(path: string, sd: StateDict, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(sd, metadata));
}
