import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { readPth } from '../../core/checkpoint/pth.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { toFloat32 } from '../../core/host-tensor.js';
import { GOLDEN_MILA } from '../fixtures/paths.js';

const FIX = join(import.meta.dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'mila-pth-'));

/** A minimal protocol-2 pickle: `GLOBAL module name`, an empty tuple, REDUCE, STOP. */
function pickleCalling(module: string, name: string, arg: string): Uint8Array {
  const enc = new TextEncoder();
  const s = enc.encode(arg);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, s.length, true);
  return new Uint8Array([
    0x80, 0x02, // PROTO 2
    0x63, ...enc.encode(`${module}\n${name}\n`), // GLOBAL
    0x58, ...len, ...s, // BINUNICODE arg
    0x85, // TUPLE1
    0x52, // REDUCE
    0x2e, // STOP
  ]);
}

describe('readPth (torch.save zip format)', () => {
  for (const file of ['dtypes.pth', 'dtypes_deflated.pth']) {
    it(`reads every dtype, views and wrappers of ${file}`, () => {
      const sd = readPth(join(FIX, file));
      // {'meta':..., 'state_dict': sd, 'optimizer': ...}: only the state dict's tensors come back.
      expect([...sd.keys()]).toEqual(['f32', 't', 'slice', 'scalar', 'f16', 'bf16', 'f64', 'i64', 'i32', 'i16', 'i8', 'u8', 'bool', 'param']);
      expect(sd.get('f32')).toMatchObject({ dtype: 'float32', shape: [2, 3] });
      expect([...sd.get('f32')!.data]).toEqual([0, 1, 2, 3, 4, 5]);
      // base.t(): shape [3, 2], strides (1, 3) on the same storage -> materialised row-major.
      expect(sd.get('t')!.shape).toEqual([3, 2]);
      expect([...sd.get('t')!.data]).toEqual([0, 3, 1, 4, 2, 5]);
      expect([...sd.get('slice')!.data]).toEqual([3, 4, 5, 6]);
      expect(sd.get('scalar')).toMatchObject({ shape: [] });
      expect([...sd.get('scalar')!.data]).toEqual([7]);
      expect([...toFloat32(sd.get('f16')!)]).toEqual([1.5, -2, 0.25]);
      expect(sd.get('bf16')!.dtype).toBe('bfloat16');
      expect([...toFloat32(sd.get('bf16')!)]).toEqual([1.5, -2, 3]);
      expect([...sd.get('f64')!.data]).toEqual([0.1, -1e300]);
      expect([...sd.get('i64')!.data]).toEqual([-3n, 2n ** 40n]);
      expect([...sd.get('i32')!.data]).toEqual([-5, 7]);
      expect([...sd.get('i16')!.data]).toEqual([-300]);
      expect([...sd.get('i8')!.data]).toEqual([-100, 5]);
      expect([...sd.get('u8')!.data]).toEqual([200, 1]);
      expect(sd.get('bool')!.dtype).toBe('bool');
      expect([...sd.get('bool')!.data]).toEqual([1, 0, 1]);
      expect([...sd.get('param')!.data]).toEqual([1, 1]); // nn.Parameter -> its tensor
    });
  }

  it('reads an mmdet-style file: inert metadata (numpy scalars, torch.device, big ints) parses, only state_dict tensors come back', () => {
    const sd = readPth(join(FIX, 'mmdet_like.pth'));
    expect([...sd.keys()]).toEqual(['backbone.w', 'neck.b']);
    expect([...sd.get('backbone.w')!.data]).toEqual([0, 1, 2, 3]);
    expect([...sd.get('neck.b')!.data]).toEqual([1.5]);
  });

  it('reads the golden MILA checkpoint ({"model": sd}) with its int64 BatchNorm counters', () => {
    const sd = readPth(join(GOLDEN_MILA, 'tiny_det_64/tiny_det_64.pth'));
    expect(sd.size).toBe(200); // meta.json: keys 200
    expect(sd.get('patch_embed.conv1.norm.num_batches_tracked')).toMatchObject({ dtype: 'int64', shape: [] });
    expect(sd.get('layers.2.blocks.1.attn.rope.rotations')!.shape).toEqual([4, 4, 32, 2]);
    expect(sd.get('head.weight')!.shape).toEqual([10, 128]);
  });

  it('refuses a pickle carrying a forbidden global, naming it and the file', () => {
    const path = join(tmp, 'evil.pth');
    writeFileSync(path, zipSync({ 'evil/data.pkl': pickleCalling('os', 'system', 'echo pwned'), 'evil/version': new TextEncoder().encode('3\n') }, { level: 0 }));
    expect(() => readPth(path)).toThrow("refusing to unpickle global 'os.system' in evil.pth: only state-dict types are allowed");
    expect(() => loadCheckpoint(path)).toThrow(/refusing to unpickle global 'os\.system'/);
  });

  it('refuses builtins reached through __builtin__ too', () => {
    const path = join(tmp, 'evil2.pth');
    writeFileSync(path, zipSync({ 'a/data.pkl': pickleCalling('__builtin__', 'eval', '1+1') }, { level: 0 }));
    expect(() => readPth(path)).toThrow("refusing to unpickle global '__builtin__.eval' in evil2.pth");
  });

  it('explains that the legacy (non-zip) format is unsupported', () => {
    expect(() => loadCheckpoint(join(FIX, 'legacy.pth'))).toThrow(/legacy \(pre-1\.6, non-zip\) torch\.save format is not supported/);
  });

  it('reports a truncated archive in one line', () => {
    const path = join(tmp, 'cut.pth');
    const bytes = readFileSync(join(FIX, 'dtypes.pth'));
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(() => loadCheckpoint(path)).toThrow(/cut\.pth: truncated or corrupt zip archive/);
  });
});
