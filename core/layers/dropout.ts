import * as tf from '@tensorflow/tfjs-core';
import { Module, type Layer } from '../module.js';
import { Rng, onManualSeed } from '../rng.js';

/**
 * Where dropout masks get their randomness. Every mask is a seeded `tf.randomUniform` draw, its seed taken
 * from one JS-side stream, so that
 * - gradient checkpointing (core/recompute.ts) can record the seeds a forward used and replay them when it
 *   recomputes that forward in the backward pass: the recomputation sees the very same masks;
 * - `seedDropoutMasks(s)` makes the masks reproducible; `manualSeed(s)` calls it too (as torch.manual_seed
 *   seeds dropout), so the runner's per-iteration reseed makes resume exact with drop-path.
 * Before any seeding, the stream starts from Math.random, as tfjs' own unseeded draws do.
 */
let seedStream = new Rng(Math.floor(Math.random() * 2 ** 31));

/** The seeds drawn while a checkpointed forward ran, in draw order, with each mask's shape. */
export interface MaskSeedLog {
  readonly draws: { seed: number; shape: readonly number[] }[];
}

type SeedSource = { mode: 'record'; log: MaskSeedLog } | { mode: 'replay'; log: MaskSeedLog; next: number };
let source: SeedSource | null = null;

/** Restart the mask seed stream: the masks drawn afterwards are a function of `seed`. */
export function seedDropoutMasks(seed: number): void {
  seedStream = new Rng(seed);
}

// A different seed than the global stream's, so mask draws and initialisation draws are not the same numbers.
onManualSeed((seed) => seedDropoutMasks((Math.imul(seed >>> 0, 0x2c1b3c6d) ^ 0x5bd1e995) >>> 0));

function nextMaskSeed(shape: readonly number[]): number {
  if (source?.mode === 'replay') {
    const d = source.log.draws[source.next];
    // A different draw order means the recomputation is not the forward it replaces: its gradients would be wrong.
    if (!d || d.shape.length !== shape.length || d.shape.some((n, i) => n !== shape[i])) {
      throw new Error(`dropout: recomputed forward asked for mask draw ${source.next} of shape [${shape.join(', ')}], but the forward drew ${d ? `[${d.shape.join(', ')}]` : 'no more masks'}`);
    }
    source.next++;
    return d.seed;
  }
  // seedrandom treats a seed as a string; 0 is a seed like any other, so the full int range is fine.
  const seed = seedStream.int(0, 2 ** 31);
  if (source?.mode === 'record') source.log.draws.push({ seed, shape: [...shape] });
  return seed;
}

/** Uniform [0, 1) noise for a dropout mask of this shape, from the seeded mask stream (every dropout layer draws here). */
export function dropoutMaskNoise(shape: number[]): tf.Tensor {
  return tf.randomUniform(shape, 0, 1, 'float32', nextMaskSeed(shape));
}

/** Run `fn`, logging the seeds of every dropout mask it draws. */
export function recordMaskSeeds<T>(fn: () => T): { result: T; log: MaskSeedLog } {
  const log: MaskSeedLog = { draws: [] };
  const outer = source;
  source = { mode: 'record', log };
  try {
    return { result: fn(), log };
  } finally {
    source = outer;
  }
}

/** Run `fn` with its dropout masks drawn from `log` (the same masks as when it was recorded). */
export function replayMaskSeeds<T>(log: MaskSeedLog, fn: () => T): T {
  const outer = source;
  const replay: SeedSource = { mode: 'replay', log, next: 0 };
  source = replay;
  try {
    const result = fn();
    if (replay.next !== log.draws.length) throw new Error(`dropout: recomputed forward drew ${replay.next} masks, the forward drew ${log.draws.length}`);
    return result;
  } finally {
    source = outer;
  }
}

/** Element-wise dropout with inverted scaling, active only in training. */
export class Dropout extends Module implements Layer {
  constructor(readonly p = 0.5) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x.clone();
    return tf.tidy(() => {
      const keep = tf.cast(tf.greaterEqual(dropoutMaskNoise(x.shape), this.p), 'float32');
      return tf.mul(x, tf.mul(keep, 1 / (1 - this.p)));
    });
  }
}

/** Stochastic depth (timm's DropPath): drops whole samples of a residual branch, scaling survivors by 1/keep. */
export class DropPath extends Module implements Layer {
  constructor(readonly dropProb = 0) {
    super();
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.dropProb === 0) return x.clone();
    return tf.tidy(() => {
      const keepProb = 1 - this.dropProb;
      const shape = [x.shape[0]!, ...new Array<number>(x.rank - 1).fill(1)];
      const keep = tf.floor(tf.add(dropoutMaskNoise(shape), keepProb));
      return tf.mul(x, tf.div(keep, keepProb));
    });
  }
}
