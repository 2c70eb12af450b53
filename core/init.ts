import { defaultRng, type Rng } from './rng.js';
import { numel } from './host-tensor.js';

/** Initialisers as PyTorch/timm define them, producing host arrays (deterministic under `manualSeed`). */

/** timm's trunc_normal_(std, a=-2, b=2): a normal redrawn until it falls in [a, b] (absolute bounds). */
export function truncNormal(shape: readonly number[], std = 0.02, a = -2, b = 2, rng: Rng = defaultRng()): Float32Array {
  const out = new Float32Array(numel(shape));
  for (let i = 0; i < out.length; i++) {
    let v: number;
    do v = rng.normal(0, std);
    while (v < a || v > b);
    out[i] = v;
  }
  return out;
}

export function normal(shape: readonly number[], std: number, mean = 0, rng: Rng = defaultRng()): Float32Array {
  const out = new Float32Array(numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.normal(mean, std);
  return out;
}

export function uniform(shape: readonly number[], bound: number, rng: Rng = defaultRng()): Float32Array {
  const out = new Float32Array(numel(shape));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

export function constant(shape: readonly number[], value: number): Float32Array {
  return new Float32Array(numel(shape)).fill(value);
}

/** PyTorch's default for Linear/Conv weights: kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
export function torchDefaultWeight(shape: readonly number[], fanIn: number, rng: Rng = defaultRng()): Float32Array {
  return uniform(shape, 1 / Math.sqrt(fanIn), rng);
}

/** kaiming_normal_(mode='fan_out', nonlinearity='relu'), as mmcv's ConvModule and mmseg heads use. */
export function kaimingNormalFanOut(shape: readonly number[], fanOut: number, rng: Rng = defaultRng()): Float32Array {
  return normal(shape, Math.sqrt(2 / fanOut), 0, rng);
}

/** xavier_uniform_, as mmdet's FPN and mask head convs use. */
export function xavierUniform(shape: readonly number[], fanIn: number, fanOut: number, gain = 1, rng: Rng = defaultRng()): Float32Array {
  return uniform(shape, gain * Math.sqrt(6 / (fanIn + fanOut)), rng);
}
