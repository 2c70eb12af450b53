import type { Rng } from '../../core/rng.js';
import type { DetSample } from '../../core/types/data.js';
import { composeDet, type DetTransform } from './transform.js';

/** mmdet 2.x AutoAugment: pick one policy (a list of transforms) uniformly per sample and run it. */
export function autoAugment(policies: DetTransform[][]): DetTransform {
  if (policies.length === 0) throw new Error('AutoAugment needs at least one policy');
  const composed = policies.map(composeDet);
  return {
    name: 'AutoAugment',
    apply(s: DetSample, rng: Rng): DetSample | null {
      return composed[rng.int(0, composed.length)]!.apply(s, rng);
    },
  };
}
