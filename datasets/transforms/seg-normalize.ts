import type { SegSample } from '../../core/types/data.js';
import { normalizeImage, IMAGENET_MEAN_RGB, IMAGENET_STD_RGB } from './normalize.js';
import type { SegTransform } from './transform.js';

export function segNormalize(mean: readonly number[] = IMAGENET_MEAN_RGB, std: readonly number[] = IMAGENET_STD_RGB): SegTransform {
  return { name: 'Normalize', apply: (s: SegSample) => ({ ...s, img: normalizeImage(s.img, mean, std) }) };
}
