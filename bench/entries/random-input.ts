import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/rng.js';

/** A seeded normal NHWC batch, as normalised images look. */
export function randomImage(shape: [number, number, number, number], seed = 0): tf.Tensor4D {
  const rng = new Rng(seed);
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  return tf.tensor4d(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Import a module of this package that may not exist yet; null when it is missing. */
export async function importIfPresent<T>(path: string): Promise<T | null> {
  try {
    return (await import(path)) as T;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(path.replace(/^(\.\.\/)+/, ''))) return null;
    throw e;
  }
}
