import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../core/checkpoint/decode.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { encodeSafetensors } from '../../core/checkpoint/safetensors.js';
import { GOLDEN_MILA } from '../fixtures/paths.js';

const GOLDEN = join(GOLDEN_MILA, 'tiny_det_64');

/** The bytes a page gets from a file picker or a fetch: an ArrayBuffer's view, no path. */
const bytesOf = (file: string) => new Uint8Array(readFileSync(file));

describe('decodeCheckpoint (bytes, as a browser has them)', () => {
  it('gives the file loader\'s state dict for a .pth and a .safetensors, whatever the name says', () => {
    for (const file of ['tiny_det_64.pth', 'tiny_det_64.safetensors']) {
      const fromFile = loadCheckpoint(join(GOLDEN, file));
      const fromBytes = decodeCheckpoint('dropped.bin', bytesOf(join(GOLDEN, file)));
      expect([...fromBytes.keys()]).toEqual([...fromFile.keys()]);
      for (const [k, t] of fromFile) expect([...fromBytes.get(k)!.data]).toEqual([...t.data]);
    }
  });

  it('reads what encodeSafetensors wrote, from the concatenated chunks', () => {
    const sd = new Map([['w', { dtype: 'float32' as const, shape: [2], data: Float32Array.from([1.5, -2]) }]]);
    const chunks = encodeSafetensors(sd, { note: 'é' });
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.length;
    }
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
    expect([...decodeCheckpoint('x.safetensors', bytes).get('w')!.data]).toEqual([1.5, -2]);
  });

  it('names the source in one-line errors', () => {
    expect(() => decodeCheckpoint('https://example.org/ckpt.safetensors', new Uint8Array(0))).toThrow('https://example.org/ckpt.safetensors: empty file, not a checkpoint');
    expect(() => decodeCheckpoint('notes.txt', new TextEncoder().encode('hello world'))).toThrow('notes.txt: not a checkpoint (neither a PyTorch zip .pth nor a .safetensors file)');
    const truncated = bytesOf(join(GOLDEN, 'tiny_det_64.pth')).subarray(0, 5000);
    expect(() => decodeCheckpoint('cut.pth', truncated)).toThrow(/^cut\.pth: /);
  });
});
