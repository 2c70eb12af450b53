import type { DetSample } from '../../core/types/data.js';
import { normalizeImage, IMAGENET_MEAN_RGB, IMAGENET_STD_RGB } from './normalize.js';
import type { DetTransform } from './transform.js';

export function detNormalize(mean: readonly number[] = IMAGENET_MEAN_RGB, std: readonly number[] = IMAGENET_STD_RGB): DetTransform {
  return { name: 'Normalize', apply: (s: DetSample) => ({ ...s, img: normalizeImage(s.img, mean, std) }) };
}
