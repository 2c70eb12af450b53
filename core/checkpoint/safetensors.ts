import { UserError } from '../errors.js';
import { numel, shapeProblem, type HostDType, type StateDict } from '../host-tensor.js';
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

/** safetensors dtypes that exist in the format but have no host dtype here. */
const UNSUPPORTED_DTYPES = new Set(['U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4']);

/**
 * JSON's one key with a meaning in JavaScript objects: refused as a tensor name or metadata key, so that no
 * reader (ours or a user's `Object.fromEntries`) can mistake it for a prototype.
 */
const RESERVED_NAME = '__proto__';

export interface SafetensorsFile {
  tensors: StateDict;
  /** The `__metadata__` string map (a prototype-less object), empty if absent. */
  metadata: Record<string, string>;
}

/** True if `bytes` starts like a safetensors file: a plausible u64 header length followed by '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  return n > 1 && n <= MAX_HEADER && bytes[8] === 0x7b;
}

interface CheckedEntry {
  name: string;
  dtype: HostDType;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parse the bytes of a .safetensors file (tensors in file order, plus its metadata; `path` names their origin in
 * errors; the file functions are in safetensors-file.ts), as strictly as the format's reference
 * implementation: a UTF-8 JSON object header; `__metadata__` a string -> string map; each tensor a known dtype,
 * a shape of non-negative integers and `data_offsets` [begin, end] whose length is shape x dtype size; the
 * tensors tile the data section exactly (no gap, no overlap, nothing after the last). Any violation is one line
 * naming the file and the tensor or field.
 */
export function readSafetensorsBytes(path: string, data: Uint8Array): SafetensorsFile {
  if (data.length < 8) throw new UserError(`${path}: truncated safetensors file (${data.length} bytes)`);
  const headerLen = Number(new DataView(data.buffer, data.byteOffset, 8).getBigUint64(0, true));
  if (headerLen > MAX_HEADER || data[8] !== 0x7b) throw new UserError(`${path}: not a safetensors file (bad header)`);
  if (8 + headerLen > data.length) throw new UserError(`${path}: truncated safetensors file (header of ${headerLen} bytes, file of ${data.length})`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new UserError(`${path}: corrupt safetensors header (${(err as Error).message})`);
  }
  if (!isPlainObject(header)) throw new UserError(`${path}: corrupt safetensors header (not a JSON object)`);
  const body = data.subarray(8 + headerLen);
  const metadata = checkMetadata(header.__metadata__, path);
  const entries: CheckedEntry[] = [];
  for (const [name, e] of Object.entries(header)) if (name !== '__metadata__') entries.push(checkEntry(name, e, path));
  // Tensors come back in storage order, which is the order they were written.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous: string | null = null;
  for (const e of entries) {
    if (e.begin !== at) {
      const after = previous === null ? 'at the start of the data section' : `after tensor '${previous}' (which ends at byte ${at})`;
      throw new UserError(
        `${path}: tensor '${e.name}' starts at byte ${e.begin}: ${e.begin < at ? 'it overlaps' : `a gap of ${e.begin - at} bytes`} ${after} (tensors must be contiguous)`,
      );
    }
    at = e.end;
    previous = e.name;
  }
  if (at > body.length) {
    const last = entries.at(-1)!;
    throw new UserError(`${path}: truncated safetensors file (tensor '${last.name}' ends past the end of the file)`);
  }
  if (at < body.length) throw new UserError(`${path}: ${body.length - at} bytes after the last tensor's data (the data section must end with it)`);
  const tensors: StateDict = new Map();
  for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: hostDataFromBytes(e.dtype, body.subarray(e.begin, e.end), numel(e.shape)) });
  return { tensors, metadata };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMetadata(raw: unknown, path: string): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (raw === undefined) return out;
  if (!isPlainObject(raw)) throw new UserError(`${path}: __metadata__ is ${describeJson(raw)}, not a map of strings`);
  for (const [k, v] of Object.entries(raw)) {
    if (k === RESERVED_NAME) throw new UserError(`${path}: __metadata__ key '${RESERVED_NAME}' is refused`);
    if (typeof v !== 'string') throw new UserError(`${path}: __metadata__.${k} is ${describeJson(v)}, not a string`);
    out[k] = v;
  }
  return out;
}

function checkEntry(name: string, e: unknown, path: string): CheckedEntry {
  const where = `${path}: tensor '${name}'`;
  if (name === RESERVED_NAME) throw new UserError(`${where}: the name is refused (it is JavaScript's prototype key)`);
  if (!isPlainObject(e)) throw new UserError(`${where}: header entry is ${describeJson(e)}, not {dtype, shape, data_offsets}`);
  const dtype = typeof e.dtype === 'string' && Object.hasOwn(FROM_SAFETENSORS, e.dtype) ? FROM_SAFETENSORS[e.dtype]! : null;
  if (!dtype) {
    const known = typeof e.dtype === 'string' && UNSUPPORTED_DTYPES.has(e.dtype);
    throw new UserError(`${where}: ${known ? 'unsupported' : 'unknown'} dtype ${describeJson(e.dtype)}`);
  }
  if (!Array.isArray(e.shape)) throw new UserError(`${where}: shape is ${describeJson(e.shape)}, not a list`);
  const problem = shapeProblem(e.shape);
  if (problem) throw new UserError(`${where}: ${problem}`);
  const offsets = e.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) || offsets[0] > offsets[1]) {
    throw new UserError(`${where}: data_offsets ${describeJson(offsets)} are not [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  const shape = e.shape as number[];
  const bytes = numel(shape) * ITEM_SIZE[dtype];
  if (end - begin !== bytes) throw new UserError(`${where}: ${end - begin} bytes for shape [${shape.join(', ')}] of ${e.dtype as string} (needs ${bytes})`);
  return { name, dtype, shape: [...shape], begin, end };
}

function describeJson(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Encode a state dict as safetensors bytes (header padded to 8 bytes, tensors in insertion order). What the
 * reader would refuse (an invalid shape, data of another length, a reserved name, non-string metadata) is
 * refused here too, so every file we write reads back.
 */
export function encodeSafetensors(sd: StateDict, metadata?: Record<string, string>): Uint8Array[] {
  const header = Object.create(null) as Record<string, unknown>;
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (k === RESERVED_NAME || typeof v !== 'string') throw new Error(`safetensors metadata '${k}': keys must not be '${RESERVED_NAME}' and values must be strings`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of sd) {
    if (name === RESERVED_NAME || name === '__metadata__') throw new Error(`tensor '${name}': the name is reserved in safetensors files`);
    const problem = shapeProblem(t.shape);
    if (problem) throw new Error(`tensor '${name}': ${problem}`);
    const bytes = bytesOf(t.data);
    const expected = numel(t.shape) * ITEM_SIZE[t.dtype];
    if (bytes.length !== expected) {
      throw new Error(`tensor '${name}': ${bytes.length} bytes of data for shape [${t.shape.join(', ')}] of ${t.dtype}`);
    }
    header[name] = { dtype: TO_SAFETENSORS[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
    chunks.push(bytes);
  }
  // Padded with spaces to a multiple of 8 bytes, without Buffer (browsers have none): the same bytes.
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = new Uint8Array(json.length + ((8 - ((8 + json.length) % 8)) % 8)).fill(0x20);
  headerBytes.set(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [prefix, headerBytes, ...chunks];
}
