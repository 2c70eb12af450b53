import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { readSafetensors } from '../../core/checkpoint/safetensors.js';
import type { HostTensor } from '../../core/host-tensor.js';
import type { MilaConfig } from '../../backbones/mila/config.js';
import { GOLDEN_MILA } from '../fixtures/paths.js';

export const GOLDEN_DIR = GOLDEN_MILA;
export const WEIGHTS = {
  pth: join(GOLDEN_DIR, 'tiny_det_64/tiny_det_64.pth'),
  safetensors: join(GOLDEN_DIR, 'tiny_det_64/tiny_det_64.safetensors'),
};

export interface GoldenMeta {
  case: string;
  config: { model: string; embed_dim: number; depths: number[]; num_heads: number[]; img_size: number; mlp_ratio: number; drop_path_rate: number; num_classes?: number; out_indices?: number[] };
  param_count: number;
  param_count_by_top_level_module: Record<string, number>;
  weights: { load_strict_false_into_this_model?: { missing_keys: string[]; unexpected_keys: string[] } };
}

export function goldenCase(name: string): { meta: GoldenMeta; io: Map<string, HostTensor> } {
  const meta = JSON.parse(readFileSync(join(GOLDEN_DIR, name, 'meta.json'), 'utf8')) as GoldenMeta;
  return { meta, io: readSafetensors(join(GOLDEN_DIR, name, 'io.safetensors')) };
}

/** Our config for a golden meta.json (official constructor arguments). */
export function configFromMeta(meta: GoldenMeta): Partial<MilaConfig> {
  const c = meta.config;
  return {
    embedDim: c.embed_dim,
    depths: c.depths,
    numHeads: c.num_heads,
    imgSize: c.img_size,
    mlpRatio: c.mlp_ratio,
    dropPathRate: c.drop_path_rate,
    ...(c.out_indices ? { outIndices: c.out_indices } : {}),
  };
}

/** NCHW host tensor -> NHWC tf tensor. */
export function nchwToNhwc(t: HostTensor): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]), [0, 2, 3, 1]));
}

export function maxAbsDiff(a: Float32Array | number[], b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
