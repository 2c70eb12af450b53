/**
 * A small seeded PRNG (mulberry32) so that initialisation, sampling and data augmentation are
 * reproducible under a seed; tfjs' own random ops are seeded per call, not per process.
 */
export class Rng {
  private state: number;

  constructor(seed = 0) {
    this.state = seed | 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [arr[i], arr[j]] = [arr[j]!, arr[i]!];
    }
    return arr;
  }

  /** A fresh seed derived from this stream, for child generators. */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }
}

/**
 * An Rng whose stream can be restarted from a new seed while its holders (samplers) keep the same object. Built
 * from a seed, or around an existing Rng whose stream it continues until the first `reseed`.
 */
export class ReseedableRng extends Rng {
  private inner: Rng;

  constructor(from: number | Rng) {
    super(0);
    this.inner = typeof from === 'number' ? new Rng(from) : from;
  }

  override next(): number {
    return this.inner.next();
  }

  reseed(seed: number): void {
    this.inner = new Rng(seed);
  }
}

let globalRng = new Rng(0);

const seedListeners: ((seed: number) => void)[] = [];

/**
 * Reseed the process-wide generator (parameter initialisation, samplers) and, like torch.manual_seed,
 * every other stream that registered with `onManualSeed` (dropout masks).
 */
export function manualSeed(seed: number): void {
  globalRng = new Rng(seed);
  for (const listener of seedListeners) listener(seed);
}

/** Have `listener` reseed its own stream whenever `manualSeed` is called (modules that rng.ts must not import). */
export function onManualSeed(listener: (seed: number) => void): void {
  seedListeners.push(listener);
}

export function defaultRng(): Rng {
  return globalRng;
}
