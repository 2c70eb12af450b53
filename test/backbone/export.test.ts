import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../core/backend.js';
import { readPthFile } from '../../core/checkpoint/pth-file.js';
import { readSafetensors, writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { WEIGHTS } from './golden-cases.js';

const bytes = (d: ArrayBufferView) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);

describe('MILA state dict export', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  it('stateDict() after loading the official checkpoint gives back its tensors bit for bit, in PyTorch layout', () => {
    const golden = readPthFile(WEIGHTS.pth);
    const model = new MilaBackbone({ embedDim: 16, depths: [1, 1, 2, 1], numHeads: [1, 2, 4, 8], imgSize: 64 });
    model.loadStateDict(golden);
    const sd = model.stateDict();
    // Every key of the model, including the rope.rotations buffers (the constructor recomputes them, identically)
    // and the int64 BatchNorm counters.
    expect([...sd.keys()].sort()).toEqual([...golden.keys()].filter((k) => !/^(norm|head)\./.test(k)).sort());
    for (const [k, t] of sd) {
      const g = golden.get(k)!;
      expect(t.shape, k).toEqual(g.shape);
      expect(t.dtype, k).toBe(g.dtype);
      if (k.endsWith('rope.rotations')) {
        // float32 cos/sin of float32 angles: within an ulp or two of torch's
        let m = 0;
        for (let i = 0; i < t.data.length; i++) m = Math.max(m, Math.abs((t.data[i] as number) - (g.data[i] as number)));
        expect(m, k).toBeLessThan(1e-6);
      } else {
        expect(Buffer.compare(bytes(t.data), bytes(g.data)), k).toBe(0);
      }
    }
    const file = join(mkdtempSync(join(tmpdir(), 'mila-export-')), 'tiny.safetensors');
    writeSafetensors(file, sd);
    const back = readSafetensors(file);
    expect(Buffer.compare(bytes(back.get('layers.2.blocks.1.attn.qk.weight')!.data), bytes(golden.get('layers.2.blocks.1.attn.qk.weight')!.data))).toBe(0);
    model.dispose();
  });
});
