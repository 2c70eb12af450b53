import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { dropPathRates, milaConfig, parseMilaModelArg } from '../../backbones/mila/config.js';

describe('MILA presets', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  // The official detection backbones' counts (issue 2; sum of numel over parameters). mila_b: preset-b.test.ts,
  // a file of its own so that the two test workers share the construction time.
  for (const [name, count] of [['mila_t', 23_880_096], ['mila_s', 42_502_944]] as const) {
    it(`${name} has ${count.toLocaleString('en')} parameters`, () => {
      const t0 = Date.now();
      const m = new MilaBackbone(name);
      expect(m.numParameters()).toBe(count);
      expect(m.outShapes.map((s) => s.stride)).toEqual([4, 8, 16, 32]);
      m.dispose();
      console.log(`[presets] ${name}: built in ${Date.now() - t0} ms`);
    });
  }

  it('follows the official stochastic depth rule and naming', () => {
    const cfg = milaConfig({ embedDim: 8, depths: [1, 2, 1, 1], numHeads: [1, 1, 2, 2], dropPathRate: 0.2 });
    // torch.linspace(0, 0.2, 5)
    expect(dropPathRates(cfg)).toEqual([0, 0.05, 0.1, 0.15, 0.2].map(Math.fround));
    const m = new MilaBackbone(cfg);
    const keys = [...m.stateDict().keys()];
    expect(keys.slice(0, 8)).toEqual(['norm0.weight', 'norm0.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias', 'norm3.weight', 'norm3.bias']);
    expect(keys).toContain('layers.1.blocks.1.attn.rope.rotations');
    expect(keys).toContain('layers.2.downsample.conv.2.norm.num_batches_tracked');
    expect(keys.some((k) => k.startsWith('layers.3.downsample'))).toBe(false);
    expect(m.stateDict().get('layers.0.blocks.0.attn.rope.rotations')!.shape).toEqual([56, 56, 4, 2]);
    m.dispose();
  });

  it('initialises as the official _init_weights: Linear trunc_normal(std .02) and zero bias, LayerNorm 1/0', () => {
    const m = new MilaBackbone({ embedDim: 32, depths: [2, 1, 1, 1], numHeads: [1, 2, 4, 8] });
    const w = m.layers.at(0).blocks.at(0).mlp.fc1.weight.dataSync(); // 32 x 128
    let sum = 0;
    let sq = 0;
    for (const v of w) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / w.length;
    const std = Math.sqrt(sq / w.length - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.002); // 4096 draws: standard error 0.0003
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect([...m.layers.at(0).blocks.at(0).attn.qk.bias!.dataSync()].every((v) => v === 0)).toBe(true);
    expect([...m.layers.at(1).blocks.at(0).norm1.weight.dataSync()].every((v) => v === 1)).toBe(true);
    m.dispose();
  });

  it('accepts only the requested out indices', () => {
    const m = new MilaBackbone({ embedDim: 8, depths: [1, 1, 1, 1], numHeads: [1, 1, 2, 2], outIndices: [1, 3] });
    expect(m.outShapes).toEqual([{ channels: 16, stride: 8 }, { channels: 64, stride: 32 }]);
    const outs = m.eval().forward(tf.zeros([1, 40, 36, 3]) as tf.Tensor4D);
    expect(outs.map((o) => o.shape)).toEqual([[1, 5, 5, 16], [1, 2, 2, 64]]);
    tf.dispose(outs);
    m.dispose();
  });

  it('rejects invalid shapes and unknown presets in one line', () => {
    expect(() => parseMilaModelArg('mila_x')).toThrow("unknown model 'mila_x': expected mila_t, mila_s, mila_b or a JSON config");
    expect(() => parseMilaModelArg('{"embedDim":16,"depths":[1,1],"numHeads":[3,2]}')).toThrow('invalid MILA config: stage 0: 16 channels are not divisible by 3 heads');
    expect(() => parseMilaModelArg('{"embedDim":16,"depth":[1]}')).toThrow(/unknown key\(s\) depth/);
    expect(parseMilaModelArg('{"embedDim":16,"depths":[1,1,2,1],"numHeads":[1,2,4,8]}')).toMatchObject({ embedDim: 16, mlpRatio: 4, imgSize: 224 });
  });
});
