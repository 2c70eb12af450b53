import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../../core/module.js';

const BASE = 10000;

/**
 * RoPE angles exactly as the official `rope()`/`RoPE` compute them in float32: for channel pair p of c/2,
 * k_max = c/4 frequencies theta_m = 1 / base^(m / k_max); pairs p < k_max rotate by row * theta_p, the rest
 * by column * theta_(p - k_max). Returns cos and sin per [row, col, pair].
 */
export function ropeAngles(h: number, w: number, c: number): { cos: Float32Array; sin: Float32Array } {
  const kMax = Math.floor(c / 4);
  const pairs = c / 2;
  const theta = new Float32Array(kMax);
  for (let m = 0; m < kMax; m++) theta[m] = Math.fround(1 / Math.fround(Math.pow(BASE, Math.fround(m / kMax))));
  const cos = new Float32Array(h * w * pairs);
  const sin = new Float32Array(h * w * pairs);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const at = (i * w + j) * pairs;
      for (let p = 0; p < pairs; p++) {
        const angle = p < kMax ? Math.fround(i * theta[p]!) : Math.fround(j * theta[p - kMax]!);
        cos[at + p] = Math.cos(angle);
        sin[at + p] = Math.sin(angle);
      }
    }
  }
  return { cos, sin };
}

/** The official `rotations` buffer for a fixed resolution: [h, w, c/2, 2] holding (cos, sin). */
export function ropeRotations(h: number, w: number, c: number): Float32Array {
  const { cos, sin } = ropeAngles(h, w, c);
  const out = new Float32Array(cos.length * 2);
  for (let k = 0; k < cos.length; k++) {
    out[2 * k] = cos[k]!;
    out[2 * k + 1] = sin[k]!;
  }
  return out;
}

/** cos and sin of each channel pair's angle per position, [h, w, c/2]. */
interface RopeTables {
  cos: tf.Tensor3D;
  sin: tf.Tensor3D;
}

const MAX_CACHED_SIZES = 16;
const cache = new Map<string, RopeTables>();

/** Tables cached per backend and size (LRU), kept out of any tidy scope. */
function cachedTables(h: number, w: number, c: number, make: () => RopeTables): RopeTables {
  const key = `${tf.getBackend()}:${h}x${w}x${c}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const made = make();
  const tables = { cos: tf.keep(made.cos), sin: tf.keep(made.sin) };
  cache.set(key, tables);
  if (cache.size > MAX_CACHED_SIZES) {
    const [oldKey, old] = cache.entries().next().value as [string, RopeTables];
    cache.delete(oldKey);
    old.cos.dispose();
    old.sin.dispose();
  }
  return tables;
}

/**
 * The tables `fusedEluRope` (core/fused) rotates q and k with, for an h x w map of c channels: pair p at
 * (i, j) turns by `ropeAngles`' angle. Cached per backend and size.
 */
export function ropePairTables(h: number, w: number, c: number): RopeTables {
  return cachedTables(h, w, c, () => {
    const { cos, sin } = ropeAngles(h, w, c);
    return { cos: tf.tensor3d(cos, [h, w, c / 2]), sin: tf.tensor3d(sin, [h, w, c / 2]) };
  });
}

/** Free every cached table (tests that count tensors, or a process switching backends). */
export function clearRopeCache(): void {
  for (const t of cache.values()) {
    t.cos.dispose();
    t.sin.dispose();
  }
  cache.clear();
}

/**
 * Holds the official `rotations` buffer so that state dicts match the official ones key for key; its values
 * are never used in forward (RoPE is recomputed for the actual size) and any loaded shape is accepted.
 */
export class RoPE extends Module {
  static readonly BUFFER = 'rotations';

  constructor(h: number, w: number, c: number) {
    super();
    this.registerBuffer(RoPE.BUFFER, tf.tensor4d(ropeRotations(h, w, c), [h, w, c / 2, 2]));
  }
}
