import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { seedDropoutMasks } from '../../core/layers/dropout.js';
import { manualSeed } from '../../core/rng.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { milaConfig, parseMilaModelArg, type MilaBackboneConfig } from '../../backbones/mila/config.js';
import { AdamW } from '../../train/adamw.js';
import { applyOverrides, configNames, getConfig } from '../../configs/index.js';
import { buildDetBackbone } from '../../models/detector/mask-rcnn.js';
import type { DetBackboneConfig } from '../../models/detector/mask-rcnn-config.js';
import type { SegBackboneConfig } from '../../models/segmentor/encoder-decoder.js';
import { BACKBONES } from '../../core/registry.js';

// Two blocks in stage 1 (so one checkpointed block feeds another) and drop-path on: the recomputation must
// replay the forward's masks for the gradients to match.
const TINY = { embedDim: 8, depths: [1, 2, 1, 1], numHeads: [1, 1, 2, 2], dropPathRate: 0.3 };

function pair(): { plain: MilaBackbone; ckpt: MilaBackbone } {
  manualSeed(3);
  const plain = new MilaBackbone(TINY);
  const ckpt = new MilaBackbone({ ...TINY, useCheckpoint: true });
  ckpt.loadStateDict(plain.stateDict(), { strict: true });
  return { plain, ckpt };
}

/**
 * A fixed random projection of every output. (Not the benchmark's mean of squares: the outputs are
 * LayerNorm'd, so that loss is ~1 per output whatever the blocks do, and their gradients nearly vanish.)
 */
const loss = (m: MilaBackbone, x: tf.Tensor4D) =>
  tf.addN(m.forward(x).map((o, i) => tf.sum(tf.mul(o, tf.randomNormal(o.shape, 0, 1, 'float32', 100 + i))))) as tf.Scalar;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function gradients(m: MilaBackbone, x: tf.Tensor4D, maskSeed: number): { value: number; grads: Map<string, Float32Array> } {
  seedDropoutMasks(maskSeed);
  const named = m.namedParameters();
  const { value, grads } = tf.variableGrads(() => loss(m, x), named.map(([, v]) => v));
  const out = new Map(named.map(([k, v]) => [k, grads[v.name]!.dataSync() as Float32Array]));
  const v = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  return { value: v, grads: out };
}

describe('MILA backbone with useCheckpoint (per-block gradient checkpointing)', () => {
  beforeAll(async () => {
    await initBackend('wasm', { quiet: true });
    await registerAllGradients();
  });

  it('is a config option with the official default off, settable from --model JSON', () => {
    expect(milaConfig('mila_t').useCheckpoint).toBe(false);
    expect(parseMilaModelArg('{"preset":"mila_t","useCheckpoint":true}').useCheckpoint).toBe(true);
    expect(() => milaConfig({ preset: 'mila_t', useCheckpoint: 'yes' as unknown as boolean })).toThrow(/useCheckpoint must be true or false/);
    const { plain, ckpt } = pair();
    expect(ckpt.layers.items.map((s) => s.useCheckpoint)).toEqual([true, true, true, true]);
    expect(plain.layers.items.map((s) => s.useCheckpoint)).toEqual([false, false, false, false]);
    plain.dispose();
    ckpt.dispose();
  });

  it('is in every MILA preset (default false) and reaches the detector and segmentor backbones by --set', () => {
    for (const name of configNames()) {
      const backbone = (getConfig(name).model as { backbone: { type: string; useCheckpoint?: unknown } }).backbone;
      if (backbone.type === 'MILA') expect(backbone.useCheckpoint, name).toBe(false);
    }
    const det = applyOverrides(getConfig('mask_rcnn_mila_tiny_fpn_synthetic'), ['model.backbone.useCheckpoint=true']);
    const detBackbone = buildDetBackbone((det.model as { backbone: DetBackboneConfig }).backbone) as MilaBackbone;
    expect(detBackbone.layers.items.every((s) => s.useCheckpoint)).toBe(true);
    detBackbone.dispose();
    const seg = applyOverrides(getConfig('upernet_mila_micro_128x128_2k_ade20k'), ['model.backbone.useCheckpoint=true']);
    const segBackbone = BACKBONES.build((seg.model as { backbone: SegBackboneConfig }).backbone, undefined) as MilaBackbone;
    expect(segBackbone.layers.items.every((s) => s.useCheckpoint)).toBe(true);
    segBackbone.dispose();
    // A config saved before the option existed (no key) builds with it off.
    const { useCheckpoint: _, ...old } = (getConfig('upernet_mila_micro_128x128_2k_ade20k').model as { backbone: MilaBackboneConfig }).backbone;
    const oldBackbone = BACKBONES.build(old as SegBackboneConfig, undefined) as MilaBackbone;
    expect(oldBackbone.layers.items.some((s) => s.useCheckpoint)).toBe(false);
    oldBackbone.dispose();
  });

  it('gives the same loss and the same gradient for every parameter (within 1e-5), drop-path on', () => {
    const { plain, ckpt } = pair();
    plain.train();
    ckpt.train();
    const x = tf.randomNormal([3, 36, 44, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const a = gradients(plain, x, 21);
    const b = gradients(ckpt, x, 21);
    expect(Math.abs(b.value - a.value)).toBeLessThanOrEqual(1e-5 * Math.abs(a.value));
    expect([...b.grads.keys()]).toEqual([...a.grads.keys()]);
    // Relative to each gradient's own scale, so that small and large parameters are held alike.
    for (const [k, ga] of a.grads) {
      const scale = Math.max(1, ...Array.from(ga, Math.abs));
      expect(maxAbsDiff(ga, b.grads.get(k)!), k).toBeLessThanOrEqual(1e-5 * scale);
    }
    // BatchNorm (stem, PatchMerging) updated its running statistics once per forward, not again when recomputed.
    const buffers = (m: MilaBackbone) => m.namedBuffers('', true).filter(([k]) => !k.endsWith('rope.rotations'));
    const plainBuffers = buffers(plain);
    expect(plainBuffers.map(([k]) => k)).toContain('layers.0.downsample.conv.2.norm.running_var');
    buffers(ckpt).forEach(([k, v], i) => {
      expect(k).toBe(plainBuffers[i]![0]);
      const want = plainBuffers[i]![1].dataSync();
      const got = v.dataSync();
      for (let j = 0; j < want.length; j++) expect(Math.abs(got[j]! - want[j]!), k).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[j]!)));
    });
    expect(ckpt.patchEmbed.conv1.norm.numBatchesTracked.dataSync()[0]).toBe(1);
    // Drop-path really acts here: another mask seed moves a checkpointed block's gradient far beyond 1e-5.
    const c = gradients(plain, x, 22);
    const key = 'layers.1.blocks.1.mlp.fc2.weight';
    expect(maxAbsDiff(c.grads.get(key)!, a.grads.get(key)!)).toBeGreaterThan(1e-2);
    tf.dispose(x);
    plain.dispose();
    ckpt.dispose();
  });

  it('keeps the tensor count flat over AdamW training steps', () => {
    const { plain, ckpt } = pair();
    plain.dispose();
    ckpt.train();
    const settings = ckpt.namedParameters().map(([name, variable]) => ({ name, variable, lrMult: 1, weightDecay: 0.05 }));
    const opt = new AdamW(settings, { betas: [0.9, 0.999], eps: 1e-8 });
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => loss(ckpt, x), opt.variables());
      expect(Object.keys(grads).length).toBe(opt.variables().length);
      opt.step(grads, 1e-3);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step(); // builds the RoPE tables for these sizes (cached on purpose)
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    opt.dispose();
    ckpt.dispose();
  });

  it('leaves inference unchanged: eval outputs bit-identical, and no op is added when nothing is recorded', async () => {
    const { plain, ckpt } = pair();
    plain.eval();
    ckpt.eval();
    const x = tf.randomNormal([1, 40, 24, 3], 0, 1, 'float32', 8) as tf.Tensor4D;
    const a = plain.forward(x);
    const b = ckpt.forward(x);
    a.forEach((t, i) => expect(b[i]!.dataSync()).toEqual(t.dataSync()));
    const kernels = async (m: MilaBackbone) => (await tf.profile(() => tf.dispose(m.forward(x)))).kernels.map((k) => k.name);
    expect(await kernels(ckpt)).toEqual(await kernels(plain));
    // Training mode outside a gradient scope (e.g. a validation pass with drop-path on): same masks, same values.
    plain.train();
    ckpt.train();
    seedDropoutMasks(4);
    const c = plain.forward(x);
    seedDropoutMasks(4);
    const d = ckpt.forward(x);
    c.forEach((t, i) => expect(d[i]!.dataSync()).toEqual(t.dataSync()));
    tf.dispose([x, ...a, ...b, ...c, ...d]);
    plain.dispose();
    ckpt.dispose();
  });
});
