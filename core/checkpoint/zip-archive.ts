import { Inflate } from 'fflate';
import { UserError } from '../errors.js';

// Our own central-directory reader: fflate's unzip inflates every entry it keeps, whole and without a bound on
// the output, so an unreferenced or lying entry (a zip bomb) would be inflated in full. Entries here are read on
// demand, one at a time, and inflation stops at the size the caller needs.

/** One member of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  /** The uncompressed size the archive declares (a hostile file may lie: reads never go past it). */
  size: number;
  /** Offset of the entry's data (after its local header) in the archive. */
  dataOffset: number;
}

/** Deflate cannot expand data by more than 1032:1; a declared size beyond that is a lie. */
const MAX_DEFLATE_RATIO = 1032;
/** Compressed bytes pushed per inflate step: output between two size checks is at most ~1032x this. */
const INFLATE_PIECE = 64 * 1024;

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The central directory of the zip archive in `bytes` (name -> entry). Nothing is inflated. */
export function readZipDirectory(bytes: Uint8Array, path: string): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = (what: string): never => {
    throw new UserError(`${path}: truncated or corrupt zip archive (${what})`);
  };
  const u16 = (at: number): number => (at + 2 <= bytes.length ? view.getUint16(at, true) : corrupt(`read past the end at byte ${at}`));
  const u32 = (at: number): number => (at + 4 <= bytes.length ? view.getUint32(at, true) : corrupt(`read past the end at byte ${at}`));
  const u64 = (at: number): number => {
    if (at + 8 > bytes.length) corrupt(`read past the end at byte ${at}`);
    const v = view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? corrupt(`64-bit field at byte ${at} out of range`) : Number(v);
  };

  // End of central directory: the last 22 bytes, or earlier when a comment (up to 65535 bytes) follows it.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) corrupt('no end-of-central-directory record');
  let count = u16(eocd + 10);
  let dirOffset = u32(eocd + 16);
  if (eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR) {
    const z = u64(eocd - 12);
    if (u32(z) !== ZIP64_EOCD) corrupt('bad zip64 end-of-central-directory record');
    count = u64(z + 32);
    dirOffset = u64(z + 48);
  }

  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (u32(at) !== CENTRAL) corrupt(`central directory entry ${i} not found at byte ${at}`);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    let localOffset = u32(at + 42);
    if (at + 46 + nameLen > bytes.length) corrupt(`central directory entry ${i} runs past the end`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    // Zip64: the fields stored as 0xffffffff are in the 0x0001 extra field, in this order.
    for (let e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen; ) {
      const id = u16(e);
      const len = u16(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        if (size === 0xffffffff) (size = u64(f), (f += 8));
        if (compressedSize === 0xffffffff) (compressedSize = u64(f), (f += 8));
        if (localOffset === 0xffffffff) localOffset = u64(f);
      }
      e += 4 + len;
    }
    at += 46 + nameLen + extraLen + commentLen;
    if (u32(localOffset) !== LOCAL) corrupt(`local header of '${name}' not found at byte ${localOffset}`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + compressedSize > bytes.length) corrupt(`entry '${name}' runs past the end of the file`);
    if (method !== 0 && method !== 8) throw new UserError(`${path}: zip entry '${name}' uses compression method ${method} (only stored and deflated are read)`);
    if (method === 0 && size !== compressedSize) corrupt(`stored entry '${name}' declares ${size} bytes but holds ${compressedSize}`);
    if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
      corrupt(`entry '${name}' declares ${size} bytes, more than ${compressedSize} deflated bytes can hold`);
    }
    if (entries.has(name)) corrupt(`entry '${name}' appears twice`);
    entries.set(name, { name, method, compressedSize, size, dataOffset });
  }
  return entries;
}

/**
 * The first `want` bytes of an entry, in a fresh buffer of their own (aligned for any typed array). Inflation
 * stops as soon as `want` bytes are out: the rest of the entry is never decompressed. An entry whose data ends
 * before `want` bytes, or that inflates past its declared size, is an error naming it.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, want: number, path: string): Uint8Array {
  if (want > entry.size) {
    throw new UserError(`${path}: zip entry '${entry.name}' is truncated (${entry.size} bytes, ${want} needed)`);
  }
  const out = new Uint8Array(want);
  const src = bytes.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === 0) {
    out.set(src.subarray(0, want));
    return out;
  }
  let filled = 0;
  let produced = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    produced += chunk.length;
    if (produced > entry.size) throw new UserError(`${path}: zip entry '${entry.name}' inflates past its declared ${entry.size} bytes`);
    const take = Math.min(chunk.length, want - filled);
    if (take > 0) out.set(chunk.subarray(0, take), filled);
    filled += take;
    ended = final;
  });
  try {
    for (let at = 0; filled < want && !ended && at < src.length; at += INFLATE_PIECE) {
      const end = Math.min(at + INFLATE_PIECE, src.length);
      inflater.push(src.subarray(at, end), end === src.length);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: corrupt deflate data in zip entry '${entry.name}' (${(err as Error).message})`);
  }
  if (filled < want) throw new UserError(`${path}: zip entry '${entry.name}' is truncated (inflates to ${produced} bytes, ${want} needed)`);
  return out;
}
