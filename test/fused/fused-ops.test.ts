import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compositeAttnOutput, compositeEluRope, compositeGelu, compositeLayerNorm, compositeSilu,
  fusedAttnOutput, fusedEluPlusOne, fusedEluRope, fusedGelu, fusedLayerNorm, fusedSilu,
} from '../../core/fused/fused-ops.js';
import { nativeFusedCompute } from '../../core/fused/fused-compute.js';
import { FUSED } from '../../core/fused/kernel-names.js';
import { nativeStatus } from '../../core/native/addon.js';
import { nativeCasesRun } from '../native/native-policy.js';
import {
  evaluate, expectResultsClose, onCpu, onPath, PATHS, randomInput, setUpBackends,
  type HostInput, type Results,
} from './fused-harness.js';

/** The formulas as written before fusion (PyTorch semantics), in tfjs ops only: the reference. */
const reference = {
  layerNorm: ([x, w, b]: tf.Tensor[]) => {
    const { mean, variance } = tf.moments(x!, x!.rank - 1, true);
    return [tf.add(tf.mul(tf.div(tf.sub(x!, mean), tf.sqrt(tf.add(variance, 1e-5))), w!), b!)];
  },
  gelu: ([x]: tf.Tensor[]) => [tf.mul(tf.mul(x!, 0.5), tf.add(tf.erf(tf.div(x!, Math.SQRT2)), 1))],
  silu: ([x]: tf.Tensor[]) => [tf.mul(x!, tf.sigmoid(x!))],
  eluPlusOne: ([x]: tf.Tensor[]) => [tf.add(tf.elu(x!), 1)],
  /** The original applyRope: t * cos + swapPairs(t) * signedSin on q|k, then split and per-head transposes. */
  eluRope: (heads: number) => ([x, cos, sin]: tf.Tensor[]) => {
    const [b, h, w, c2] = x!.shape as [number, number, number, number];
    const c = c2 / 2;
    const qk = tf.add(tf.elu(x!), 1);
    const cosPair = tf.reshape(cos!, [h, w, 1, c / 2, 1]);
    const sinPair = tf.reshape(sin!, [h, w, 1, c / 2, 1]);
    const cosFull = tf.reshape(tf.tile(cosPair, [1, 1, 2, 1, 2]), [h, w, c2]);
    const sinFull = tf.reshape(tf.mul(tf.tile(sinPair, [1, 1, 2, 1, 2]), tf.tensor1d([-1, 1])), [h, w, c2]);
    const swapped = tf.reshape(tf.reverse(tf.reshape(qk, [-1, 2]), 1), [b, h, w, c2]);
    const rotated = tf.add(tf.mul(qk, cosFull), tf.mul(swapped, sinFull));
    const [q, k] = tf.split(qk, 2, 3);
    const [qr, kr] = tf.split(rotated, 2, 3);
    const d = c / heads;
    const perHead = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [b, h * w, heads, d]), [0, 2, 1, 3]), [b * heads, h * w, d]);
    return [q!, k!, perHead(qr!), perHead(kr!), tf.reshape(tf.mean(k!, [1, 2]), [b, c])];
  },
  attnOutput: (heads: number) => ([o, q, kMean, lepe]: tf.Tensor[]) => {
    const [b, h, w, c] = q!.shape as [number, number, number, number];
    const d = c / heads;
    const qh = tf.reshape(q!, [b, h * w, heads, d]);
    const mh = tf.reshape(kMean!, [b, 1, heads, d]);
    const z = tf.div(1, tf.add(tf.sum(tf.mul(qh, mh), 3, true), 1e-6));
    const oh = tf.transpose(tf.reshape(o!, [b, heads, h * w, d]), [0, 2, 1, 3]);
    return [tf.add(tf.reshape(tf.mul(oh, z), [b, h, w, c]), lepe!)];
  },
  gatedAttnOutput: (heads: number) => ([o, q, kMean, lepe, gate]: tf.Tensor[]) =>
    [tf.mul(reference.attnOutput(heads)([o!, q!, kMean!, lepe!])[0]!, tf.mul(gate!, tf.sigmoid(gate!)))],
};

const fused = {
  layerNorm: ([x, w, b]: tf.Tensor[]) => [fusedLayerNorm(x!, w as tf.Tensor1D, b as tf.Tensor1D, 1e-5)],
  gelu: ([x]: tf.Tensor[]) => [fusedGelu(x!)],
  silu: ([x]: tf.Tensor[]) => [fusedSilu(x!)],
  eluPlusOne: ([x]: tf.Tensor[]) => [fusedEluPlusOne(x!)],
  eluRope: (heads: number) => ([x, cos, sin]: tf.Tensor[]) => {
    const r = fusedEluRope(x as tf.Tensor4D, cos!, sin!, heads);
    return [r.q, r.k, r.qRope, r.kRope, r.kMean];
  },
  attnOutput: (heads: number) => ([o, q, kMean, lepe]: tf.Tensor[]) =>
    [fusedAttnOutput(o as tf.Tensor3D, q as tf.Tensor4D, kMean as tf.Tensor2D, lepe as tf.Tensor4D, heads)],
  gatedAttnOutput: (heads: number) => ([o, q, kMean, lepe, gate]: tf.Tensor[]) =>
    [fusedAttnOutput(o as tf.Tensor3D, q as tf.Tensor4D, kMean as tf.Tensor2D, lepe as tf.Tensor4D, heads, gate as tf.Tensor4D)],
};

interface OpCase {
  name: string;
  kernel: string;
  inputs: HostInput[];
  wrt: number[];
  reference: (xs: tf.Tensor[]) => tf.Tensor[];
  fused: (xs: tf.Tensor[]) => tf.Tensor[];
  composite?: (xs: tf.Tensor[]) => tf.Tensor[];
}

/** [b, h, w, 2c] pre-activations and per-pair cos/sin tables of random angles. */
function ropeInputs(b: number, h: number, w: number, c: number, seed: number): HostInput[] {
  const angles = randomInput([h, w, c / 2], seed + 1, -4, 4);
  return [
    randomInput([b, h, w, 2 * c], seed, -2.5, 2.5),
    { shape: angles.shape, values: angles.values.map(Math.cos) },
    { shape: angles.shape, values: angles.values.map(Math.sin) },
  ];
}

function attnInputs(b: number, h: number, w: number, c: number, heads: number, seed: number): HostInput[] {
  return [
    randomInput([b * heads, h * w, c / heads], seed, -2, 2),
    // q and mean(k) are elu + 1 values (positive), so the normaliser stays away from its pole.
    randomInput([b, h, w, c], seed + 1, 0.2, 2),
    randomInput([b, c], seed + 2, 0.2, 2),
    randomInput([b, h, w, c], seed + 3, -2, 2),
  ];
}

// Odd sizes throughout; the elementwise maps (79k values) and LayerNorm rows (286 rows of 37) span several
// parallel chunks and gradient blocks.
const CASES: OpCase[] = [
  {
    name: 'LayerNorm [2, 13, 11, 37]', kernel: FUSED.layerNorm, wrt: [0, 1, 2],
    inputs: [randomInput([2, 13, 11, 37], 1, -2, 4), randomInput([37], 2, 0.5, 1.5), randomInput([37], 3, -1, 1)],
    reference: reference.layerNorm, fused: fused.layerNorm,
    composite: ([x, w, b]) => [compositeLayerNorm(x!, w as tf.Tensor1D, b as tf.Tensor1D, 1e-5)],
  },
  {
    name: 'GELU [5, 41, 43, 9]', kernel: FUSED.gelu, wrt: [0], inputs: [randomInput([5, 41, 43, 9], 4, -5, 5)],
    reference: reference.gelu, fused: fused.gelu, composite: ([x]) => [compositeGelu(x!)],
  },
  {
    name: 'SiLU [5, 41, 43, 9]', kernel: FUSED.silu, wrt: [0], inputs: [randomInput([5, 41, 43, 9], 5, -12, 12)],
    reference: reference.silu, fused: fused.silu, composite: ([x]) => [compositeSilu(x!)],
  },
  {
    name: 'elu + 1 [3, 17, 19, 7]', kernel: FUSED.eluPlusOne, wrt: [0], inputs: [randomInput([3, 17, 19, 7], 6, -6, 3)],
    reference: reference.eluPlusOne, fused: fused.eluPlusOne,
  },
  ...([[2, 17, 19, 12, 2], [1, 9, 7, 8, 1], [1, 5, 6, 12, 3]] as const).map(([b, h, w, c, heads], i): OpCase => ({
    name: `elu + 1 and RoPE [${b}, ${h}, ${w}, 2x${c}], ${heads} heads`, kernel: FUSED.eluRope, wrt: [0],
    inputs: ropeInputs(b, h, w, c, 10 + i * 3),
    reference: reference.eluRope(heads), fused: fused.eluRope(heads),
    composite: ([x, cos, sin]) => {
      const r = compositeEluRope(x as tf.Tensor4D, cos!, sin!, heads);
      return [r.q, r.k, r.qRope, r.kRope, r.kMean];
    },
  })),
  ...([[2, 17, 19, 12, 2], [1, 9, 7, 8, 1], [1, 5, 6, 15, 3]] as const).map(([b, h, w, c, heads], i): OpCase => ({
    name: `attention output [${b}, ${h}, ${w}, ${c}], ${heads} heads`, kernel: FUSED.attnOutput, wrt: [0, 1, 2, 3],
    inputs: attnInputs(b, h, w, c, heads, 20 + i * 4),
    reference: reference.attnOutput(heads), fused: fused.attnOutput(heads),
    composite: ([o, q, m, l]) => [compositeAttnOutput(o as tf.Tensor3D, q as tf.Tensor4D, m as tf.Tensor2D, l as tf.Tensor4D, heads)],
  })),
  ...([[2, 17, 19, 12, 2], [1, 5, 6, 15, 3]] as const).map(([b, h, w, c, heads], i): OpCase => ({
    name: `gated attention output [${b}, ${h}, ${w}, ${c}], ${heads} heads`, kernel: FUSED.gatedAttnOutput, wrt: [0, 1, 2, 3, 4],
    inputs: [...attnInputs(b, h, w, c, heads, 40 + i * 5), randomInput([b, h, w, c], 44 + i * 5, -5, 5)],
    reference: reference.gatedAttnOutput(heads), fused: fused.gatedAttnOutput(heads),
  })),
];

const nativeCases = nativeCasesRun(import.meta.url);

describe('fused ops: forward and gradients against the composite tfjs formulas on the stock cpu backend', () => {
  const expected = new Map<string, Results>();

  beforeAll(async () => {
    await setUpBackends();
    for (const c of CASES) expected.set(c.name, await onCpu(() => evaluate(c.reference, c.inputs, c.wrt)));
  });

  it('the native addon has the fused functions, or it is off', () => {
    if (nativeCases) expect(nativeFusedCompute(), `native addon ${nativeStatus()}`).toBeDefined();
    else expect(nativeFusedCompute()).toBeUndefined();
  });

  for (const path of PATHS) {
    const skip = path.name.endsWith('native') && !nativeCases;
    describe.skipIf(skip)(path.name, () => {
      for (const c of CASES) {
        it(c.name, async () => {
          expect(tf.getKernel(c.kernel, path.backend), `${c.kernel} registered on ${path.backend}`).toBeDefined();
          const before = tf.memory().numTensors;
          const got = await onPath(path, () => evaluate(c.fused, c.inputs, c.wrt));
          expect(got, `${path.name}: implementation missing`).toBeDefined();
          expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
          expectResultsClose(got!, expected.get(c.name)!, `${path.name} ${c.name}`);
        });
      }
    });
  }

  describe('composite fallbacks (backends without the kernels), on cpu', () => {
    for (const c of CASES.filter((x) => x.composite)) {
      it(c.name, async () => {
        const got = await onCpu(() => evaluate(c.composite!, c.inputs, c.wrt));
        expectResultsClose(got, expected.get(c.name)!, `composite ${c.name}`);
      });
    }
  });
});
