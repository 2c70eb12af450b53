import type { Rng } from '../../core/rng.js';
import type { DetSample, SegSample } from '../../core/types/data.js';

/**
 * One step of a detection pipeline. Transforms draw randomness only from the `rng` they are handed,
 * so a sample's augmentation depends on (seed, epoch, index) and not on which worker ran it.
 * Returning null drops the sample (mmdet's pipelines return None, e.g. RandomCrop without boxes).
 */
export interface DetTransform {
  readonly name: string;
  apply(sample: DetSample, rng: Rng): DetSample | null;
}

export interface SegTransform {
  readonly name: string;
  apply(sample: SegSample, rng: Rng): SegSample;
}

/** Run transforms in order; a null from any step ends the pipeline with null. */
export function composeDet(transforms: DetTransform[]): DetTransform {
  return {
    name: `Compose(${transforms.map((t) => t.name).join(', ')})`,
    apply(sample, rng) {
      let s: DetSample | null = sample;
      for (const t of transforms) {
        if (!s) return null;
        s = t.apply(s, rng);
      }
      return s;
    },
  };
}

export function composeSeg(transforms: SegTransform[]): SegTransform {
  return {
    name: `Compose(${transforms.map((t) => t.name).join(', ')})`,
    apply(sample, rng) {
      let s = sample;
      for (const t of transforms) s = t.apply(s, rng);
      return s;
    },
  };
}
