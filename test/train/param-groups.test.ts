import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { Module } from '../../core/module.js';
import { BatchNorm2d, LayerNorm, Linear } from '../../core/layers/index.js';
import { MLLA_DETECTION_PARAMWISE, type OptimizerConfig } from '../../configs/types.js';
import { paramSettings } from '../../train/param-groups.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

class Attn extends Module {
  constructor() {
    super();
    this.registerParameter('an_bias', new Float32Array(4), [4]);
    this.registerModule('qk', new Linear(2, 2));
  }
}
class Block extends Module {
  constructor() {
    super();
    this.registerModule('norm1', new LayerNorm(2));
    this.registerModule('attn', new Attn());
  }
}
class Net extends Module {
  constructor() {
    super();
    this.registerParameter('absolute_pos_embed', new Float32Array(2), [2]);
    this.registerModule('block', new Block());
    this.registerModule('bn', new BatchNorm2d(2)); // a norm layer whose name lacks 'norm'
    this.registerModule('head', new Linear(2, 3));
  }
}

const base = (paramwise: OptimizerConfig['paramwise']): OptimizerConfig => ({
  type: 'AdamW', lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.05, paramwise, gradClip: null,
});

describe('paramwise groups (mmcv DefaultOptimizerConstructor)', () => {
  it('applies the official MLLA custom keys by substring; other params keep the full decay', () => {
    const net = new Net();
    const got = Object.fromEntries(paramSettings(net, base(MLLA_DETECTION_PARAMWISE)).map((s) => [s.name, s.weightDecay]));
    expect(got).toEqual({
      absolute_pos_embed: 0,
      'block.norm1.weight': 0,
      'block.norm1.bias': 0,
      'block.attn.an_bias': 0,
      'block.attn.qk.weight': 0.05,
      'block.attn.qk.bias': 0.05, // the official rule has no bias_decay_mult
      'bn.weight': 0.05, // 'norm' is not a substring of 'bn.weight'
      'bn.bias': 0.05,
      'head.weight': 0.05,
      'head.bias': 0.05,
    });
    net.dispose();
  });

  it('uses norm_decay_mult / bias_decay_mult for params no custom key matched', () => {
    const net = new Net();
    const got = Object.fromEntries(
      paramSettings(net, base({ customKeys: {}, normDecayMult: 0, biasDecayMult: 0.5 })).map((s) => [s.name, s.weightDecay]),
    );
    expect(got['bn.weight']).toBe(0);
    expect(got['bn.bias']).toBe(0); // a norm's bias counts as norm
    expect(got['block.norm1.weight']).toBe(0);
    expect(got['head.bias']).toBe(0.025);
    expect(got['head.weight']).toBe(0.05);
    expect(got['block.attn.an_bias']).toBe(0.05); // not named 'bias'
    net.dispose();
  });

  it('tries longer custom keys first, so the most specific rule wins', () => {
    const net = new Net();
    const s = paramSettings(net, base({ customKeys: { head: { lrMult: 10 }, 'head.bias': { lrMult: 0.5, decayMult: 0 } }, normDecayMult: 1, biasDecayMult: 1 }));
    const by = Object.fromEntries(s.map((x) => [x.name, x]));
    expect(by['head.weight']!.lrMult).toBe(10);
    expect(by['head.bias']!.lrMult).toBe(0.5);
    expect(by['head.bias']!.weightDecay).toBe(0);
    net.dispose();
  });
});
