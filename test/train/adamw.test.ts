import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { AdamW } from '../../train/adamw.js';
import type { ParamSetting } from '../../train/param-groups.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

// Reference: torch.optim.AdamW(lr=0.1, betas=(0.9, 0.999), eps=1e-8), p with weight_decay 0.01, q in a group
// with weight_decay 0 and lr 0.05, three steps with the gradients below (values printed by PyTorch 1.13).
const GRADS_P = [[0.5, 0.1], [-0.5, 0.3], [0.2, -0.4]];
const GRADS_Q = [[[1.0, -1.0], [0.25, 0.0]], [[0.5, 0.5], [-2.0, 0.1]], [[0.0, 1.0], [1.0, -1.0]]];
const TORCH_P = [[0.8990000486373901, -2.0980000495910645], [0.9033641815185547, -2.1876800060272217], [0.88897705078125, -2.179352283477783]];
const TORCH_Q = [
  [[0.2500000298023224, 0.75], [-0.14999999105930328, 0.20000000298023224]],
  [[0.20339104533195496, 0.7633168697357178], [-0.11723366379737854, 0.16279315948486328]],
  [[0.16736216843128204, 0.7496820092201233], [-0.1087481826543808, 0.1917150765657425]],
];

describe('AdamW', () => {
  it('matches torch.optim.AdamW step by step (decoupled decay, bias corrections, per-group lr)', () => {
    const p = tf.variable(tf.tensor1d([1.0, -2.0]));
    const q = tf.variable(tf.tensor2d([[0.3, 0.7], [-0.1, 0.2]]));
    const settings: ParamSetting[] = [
      { name: 'p', variable: p, lrMult: 1, weightDecay: 0.01 },
      { name: 'q', variable: q, lrMult: 0.5, weightDecay: 0 },
    ];
    const opt = new AdamW(settings, { betas: [0.9, 0.999], eps: 1e-8 });
    // Hand check of step 1 for p[0]: p·(1 − 0.1·0.01) = 0.999, m̂ = g, v̂ = g², update 0.1·g/(|g|+eps) ≈ 0.1 → 0.899.
    for (let s = 0; s < 3; s++) {
      const grads = { [p.name]: tf.tensor1d(GRADS_P[s]!), [q.name]: tf.tensor2d(GRADS_Q[s]!) };
      opt.step(grads, 0.1);
      tf.dispose(Object.values(grads));
      const gotP = Array.from(p.dataSync());
      const gotQ = Array.from(q.dataSync());
      TORCH_P[s]!.forEach((v, i) => expect(gotP[i]).toBeCloseTo(v, 6));
      TORCH_Q[s]!.flat().forEach((v, i) => expect(gotQ[i]).toBeCloseTo(v, 6));
    }
    // Moments after three steps (PyTorch: exp_avg / exp_avg_sq of p).
    const sd = opt.stateDict();
    const m = sd.get('exp_avg.p')!.data as Float32Array;
    const v = sd.get('exp_avg_sq.p')!.data as Float32Array;
    expect(m[0]).toBeCloseTo(0.015499998815357685, 7);
    expect(m[1]).toBeCloseTo(-0.0049000028520822525, 7);
    expect(v[0]).toBeCloseTo(0.0005392502644099295, 9);
    expect(v[1]).toBeCloseTo(0.00025989001733250916, 9);
    expect(Number((sd.get('step.p')!.data as BigInt64Array)[0])).toBe(3);
    opt.dispose();
    p.dispose();
    q.dispose();
  });

  it('skips parameters without a gradient (no decay, no step count) as PyTorch does', () => {
    const p = tf.variable(tf.tensor1d([1.0]));
    const q = tf.variable(tf.tensor1d([1.0]));
    const opt = new AdamW(
      [
        { name: 'p', variable: p, lrMult: 1, weightDecay: 0.5 },
        { name: 'q', variable: q, lrMult: 1, weightDecay: 0.5 },
      ],
      { betas: [0.9, 0.999], eps: 1e-8 },
    );
    const g = tf.tensor1d([0.0]);
    opt.step({ [p.name]: g }, 0.1);
    // p: decay only (gradient 0 → m = 0): 1 · (1 − 0.1 · 0.5) = 0.95; q untouched.
    expect(p.dataSync()[0]).toBeCloseTo(0.95, 7);
    expect(q.dataSync()[0]).toBe(1);
    expect(Number((opt.stateDict().get('step.q')!.data as BigInt64Array)[0])).toBe(0);
    g.dispose();
    opt.dispose();
    p.dispose();
    q.dispose();
  });

  it('restores moments and step counts from its state dict', () => {
    const mk = () => tf.variable(tf.tensor1d([1.0, 2.0]));
    const a = mk();
    const b = mk();
    const oa = new AdamW([{ name: 'w', variable: a, lrMult: 1, weightDecay: 0.05 }], { betas: [0.9, 0.999], eps: 1e-8 });
    const ob = new AdamW([{ name: 'w', variable: b, lrMult: 1, weightDecay: 0.05 }], { betas: [0.9, 0.999], eps: 1e-8 });
    const g1 = tf.tensor1d([0.3, -0.7]);
    const g2 = tf.tensor1d([-0.1, 0.2]);
    oa.step({ [a.name]: g1 }, 0.01);
    ob.loadStateDict(oa.stateDict());
    b.assign(a);
    oa.step({ [a.name]: g2 }, 0.01);
    ob.step({ [b.name]: g2 }, 0.01);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(() => ob.loadStateDict(new Map(), 'x.optim.safetensors')).toThrow(/x.optim.safetensors: no optimizer state for parameter w/);
    tf.dispose([g1, g2, a, b]);
    oa.dispose();
    ob.dispose();
  });
});
