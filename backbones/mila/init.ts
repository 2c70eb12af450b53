import * as tf from '@tensorflow/tfjs-core';
import type { Linear } from '../../core/layers/index.js';
import { defaultRng } from '../../core/rng.js';

/**
 * timm's trunc_normal_(std, a=-2, b=2) filled from a per-tensor mulberry32 stream seeded by the global
 * generator (so `manualSeed` still makes models reproducible). The state stays an int32 and both polar-method
 * outputs are used: building mila_b draws ~90M numbers, and this is several times faster than the generic path.
 */
function fastTruncNormal(n: number, std: number): Float32Array {
  let state = Math.floor(defaultRng().next() * 4294967296) | 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  let i = 0;
  // Marsaglia's polar method: two normals per accepted pair, one log and one sqrt, no trigonometry.
  while (i < n) {
    const u = 2 * next() - 1;
    const v = 2 * next() - 1;
    const s = u * u + v * v;
    if (s >= 1 || s === 0) continue;
    const f = std * Math.sqrt((-2 * Math.log(s)) / s);
    const z0 = u * f;
    const z1 = v * f;
    if (z0 >= -2 && z0 <= 2) out[i++] = z0;
    if (i < n && z1 >= -2 && z1 <= 2) out[i++] = z1;
  }
  return out;
}

/** The official `_init_weights` for Linear layers: trunc_normal(std=.02) weight, zero bias. */
export function initLinearAsOfficial(l: Linear): void {
  tf.tidy(() => {
    l.weight.assign(tf.tensor(fastTruncNormal(l.weight.size, 0.02), l.weight.shape));
    if (l.bias) l.bias.assign(tf.zerosLike(l.bias));
  });
}
