/**
 * The zip container of `torch.save` (PyTorch >= 1.6), laid out byte for byte as torch 1.13's
 * PyTorchStreamWriter (miniz) writes it: stored entries, each file's data aligned to 64 bytes by an `FB`
 * extra field padded with 'Z', a data descriptor after every non-empty entry, zeroed dates, and a zip64 end
 * record before the classic one. Written here because zip libraries (fflate included) cannot align entries.
 */
import * as zlib from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** The file's bytes, possibly in several pieces (written as they are, never copied). */
  data: readonly Uint8Array[];
}

const ALIGNMENT = 64;
const LOCAL_HEADER = 30;
const CENTRAL_HEADER = 46;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const LIMIT = 0xffffffff;

let crcTable: Uint32Array | null = null;

/** CRC-32 (zlib's), over pieces. Node >= 20.15 has zlib.crc32; older 20.x use the table. */
function crc32(pieces: readonly Uint8Array[]): number {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  if (native) return pieces.reduce((c, p) => native(p, c), 0) >>> 0;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const p of pieces) for (let i = 0; i < p.length; i++) c = crcTable[(c ^ p[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

class Header {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private at = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(v: number): this {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.at, v >>> 0, true);
    this.at += 4;
    return this;
  }
  u64(v: number): this {
    this.view.setBigUint64(this.at, BigInt(v), true);
    this.at += 8;
    return this;
  }
  raw(b: Uint8Array): this {
    this.bytes.set(b, this.at);
    this.at += b.length;
    return this;
  }
}

/**
 * The archive as a list of chunks to write in order (headers are new buffers, entry data is passed through).
 * Archives over 4 GiB or 65,535 entries (which would need zip64 entry records) are refused.
 */
export function torchZipChunks(entries: readonly ZipEntry[]): Uint8Array[] {
  if (entries.length > 0xffff) throw new Error(`a .pth archive of ${entries.length} entries is beyond what this writer supports (65,535)`);
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  const utf8 = new TextEncoder();
  let offset = 0;
  for (const e of entries) {
    const name = utf8.encode(e.name);
    const size = e.data.reduce((s, d) => s + d.length, 0);
    const crc = crc32(e.data);
    const flags = FLAG_UTF8 | (size > 0 ? FLAG_DESCRIPTOR : 0);
    // Data starts after the header, the name and the 4-byte head of the FB field, padded to 64.
    const start = offset + LOCAL_HEADER + name.length + 4;
    const pad = (ALIGNMENT - (start % ALIGNMENT)) % ALIGNMENT;
    const local = new Header(LOCAL_HEADER + name.length + 4 + pad)
      .u32(0x04034b50)
      .u16(0) // version needed
      .u16(flags)
      .u16(0) // stored
      .u16(0) // time
      .u16(0) // date
      .u32(0) // crc and sizes follow in the data descriptor
      .u32(0)
      .u32(0)
      .u16(name.length)
      .u16(4 + pad)
      .raw(name)
      .raw(Uint8Array.of(0x46, 0x42, pad & 0xff, pad >> 8)) // 'FB', padding length
      .raw(new Uint8Array(pad).fill(0x5a)); // 'Z'
    chunks.push(local.bytes, ...e.data);
    const entryOffset = offset;
    offset += local.bytes.length + size;
    if (size > 0) {
      chunks.push(new Header(16).u32(0x08074b50).u32(crc).u32(size).u32(size).bytes);
      offset += 16;
    }
    if (offset > LIMIT) throw new Error('a .pth archive over 4 GiB is beyond what this writer supports');
    central.push(
      new Header(CENTRAL_HEADER + name.length)
        .u32(0x02014b50)
        .u16(0) // version made by
        .u16(0) // version needed
        .u16(flags)
        .u16(0)
        .u16(0)
        .u16(0)
        .u32(crc)
        .u32(size)
        .u32(size)
        .u16(name.length)
        .u16(0) // extra
        .u16(0) // comment
        .u16(0) // disk
        .u16(0) // internal attributes
        .u32(0) // external attributes
        .u32(entryOffset)
        .raw(name).bytes,
    );
  }
  const centralOffset = offset;
  const centralSize = central.reduce((s, c) => s + c.length, 0);
  chunks.push(...central);
  const zip64EndOffset = centralOffset + centralSize;
  if (zip64EndOffset > LIMIT) throw new Error('a .pth archive over 4 GiB is beyond what this writer supports');
  const n = entries.length;
  chunks.push(
    new Header(56)
      .u32(0x06064b50)
      .u64(44) // size of the rest of the record
      .u16(0x031e) // made by: unix, zip 3.0
      .u16(45) // needed: zip64
      .u32(0)
      .u32(0)
      .u64(n)
      .u64(n)
      .u64(centralSize)
      .u64(centralOffset).bytes,
    new Header(20).u32(0x07064b50).u32(0).u64(zip64EndOffset).u32(1).bytes,
    new Header(22).u32(0x06054b50).u16(0).u16(0).u16(n).u16(n).u32(centralSize).u32(centralOffset).u16(0).bytes,
  );
  return chunks;
}
