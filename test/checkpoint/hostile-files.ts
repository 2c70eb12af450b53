/**
 * Builders for hostile checkpoint files: torch.save-style zips whose pickle is written opcode by opcode (so any
 * field can hold any value), and safetensors files with any header. Small by construction: the tests make
 * every case they need instead of keeping fixtures.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';

/** A pickled value: numbers become BININT/LONG1/BINFLOAT, bigints LONG1, arrays tuples. */
export type PickleValue = number | bigint | string | boolean | null | PickleValue[] | { global: string } | RawPickle;

/** Opcodes inserted as they are (for cases no value describes). */
export class RawPickle {
  constructor(readonly bytes: number[]) {}
}

export interface TensorSpec {
  name: string;
  /** Storage key: the zip entry `archive/data/<key>`. */
  key: string;
  /** torch storage class, e.g. FloatStorage. */
  storage?: string;
  /** Element count recorded in the persistent id (undefined: the field is left out). */
  numel: PickleValue | undefined;
  offset?: PickleValue;
  size: PickleValue;
  stride: PickleValue;
}

const enc = new TextEncoder();

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function longBytes(v: bigint): number[] {
  const out: number[] = [];
  let x = v;
  // Two's complement little-endian, minimal length with a sign bit that matches.
  for (;;) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
    const sign = out[out.length - 1]! & 0x80;
    if ((x === 0n && !sign) || (x === -1n && sign)) break;
  }
  return out;
}

function value(v: PickleValue): number[] {
  if (v instanceof RawPickle) return v.bytes;
  if (v === null) return [0x4e];
  if (v === true) return [0x88];
  if (v === false) return [0x89];
  if (typeof v === 'bigint') {
    const b = longBytes(v);
    return [0x8a, b.length, ...b];
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return [0x4a, ...u32(v)];
    if (Number.isInteger(v) && Number.isSafeInteger(v)) return value(BigInt(v));
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    return [0x47, ...b];
  }
  if (typeof v === 'string') {
    const s = enc.encode(v);
    return [0x58, ...u32(s.length), ...s];
  }
  if (Array.isArray(v)) return [0x28, ...v.flatMap(value), 0x74]; // MARK ... TUPLE
  const [module, ...rest] = v.global.split('.');
  const name = rest.pop()!;
  return [0x63, ...enc.encode(`${[module, ...rest].join('.')}\n${name}\n`)];
}

function call(fn: string, args: number[]): number[] {
  return [...value({ global: fn }), 0x28, ...args, 0x74, 0x52]; // GLOBAL, MARK args TUPLE, REDUCE
}

/** The pickle of `{name: tensor, ...}` as torch.save writes a state dict (OrderedDict of _rebuild_tensor_v2). */
export function stateDictPickle(tensors: TensorSpec[], wrap?: string): Uint8Array {
  const items = tensors.flatMap((t) => {
    const pid = [0x28, ...value('storage'), ...value({ global: `torch.${t.storage ?? 'FloatStorage'}` }), ...value(t.key), ...value('cpu'), ...(t.numel === undefined ? [] : value(t.numel)), 0x74, 0x51];
    const args = [...pid, ...value(t.offset === undefined ? 0 : t.offset), ...value(t.size), ...value(t.stride), 0x89, ...call('collections.OrderedDict', [])];
    return [...value(t.name), ...call('torch._utils._rebuild_tensor_v2', args)];
  });
  let dict = [...call('collections.OrderedDict', []), 0x28, ...items, 0x75]; // MARK ... SETITEMS
  if (wrap) dict = [0x7d, ...value(wrap), ...dict, 0x73]; // {wrap: dict}
  return new Uint8Array([0x80, 0x02, ...dict, 0x2e]);
}

/** A torch.save-style zip: `archive/data.pkl`, `archive/version` and `archive/data/<key>` storages. */
export function pthZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, level: 0 | 6 = 0, extra: Zippable = {}): Uint8Array {
  const files: Zippable = { 'archive/data.pkl': pickle, 'archive/version': enc.encode('3\n') };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = v;
  return zipSync({ ...files, ...extra }, { level });
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A safetensors file with the given header object (serialised as is) and data section. */
export function safetensorsBytes(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: string): Uint8Array {
  const json = enc.encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A fresh temporary directory and a function writing each case to its own file there (returns the path). */
export function caseWriter(prefix: string, ext: string): { dir: string; write: (bytes: Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    write: (bytes) => {
      const path = join(dir, `case${n++}${ext}`);
      writeFileSync(path, bytes);
      return path;
    },
  };
}
