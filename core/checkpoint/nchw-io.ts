import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors.js';
import { isFloatDType, toFloat32, type HostTensor } from '../host-tensor.js';
import { readSafetensors } from './safetensors.js';

/**
 * Read tensor `name` of a .safetensors file as PyTorch hands images over (NCHW float) and return it NHWC,
 * the layout our models compute in. Wrong name, rank, channels or dtype: one line naming the file.
 */
export function readNchwAsNhwc(path: string, name: string, channels?: number): tf.Tensor4D {
  const sd = readSafetensors(path);
  const t = sd.get(name);
  if (!t) throw new UserError(`${path}: no tensor named '${name}' (found: ${[...sd.keys()].join(', ') || 'none'})`);
  const want = `NCHW [batch, ${channels ?? 'channels'}, height, width]`;
  if (t.shape.length !== 4) throw new UserError(`${path}: tensor '${name}' must be ${want}, got rank ${t.shape.length} shape [${t.shape.join(', ')}]`);
  if (channels !== undefined && t.shape[1] !== channels) throw new UserError(`${path}: tensor '${name}' must be ${want}, got shape [${t.shape.join(', ')}]`);
  if (!isFloatDType(t.dtype)) throw new UserError(`${path}: tensor '${name}' must be floating point, got ${t.dtype}`);
  const [n, c, h, w] = t.shape as [number, number, number, number];
  if (n * h * w === 0) throw new UserError(`${path}: tensor '${name}' is empty (shape [${t.shape.join(', ')}])`);
  return tf.tidy(() => tf.transpose(tf.tensor4d(toFloat32(t), [n, c, h, w]), [0, 2, 3, 1]));
}

/** An NHWC (or [batch, features]) tensor as a host tensor in PyTorch's layout (NCHW), for writing. */
export function toTorchHost(t: tf.Tensor): HostTensor {
  const nchw = t.rank === 4 ? tf.transpose(t, [0, 3, 1, 2]) : t;
  const out: HostTensor = { dtype: 'float32', shape: [...nchw.shape], data: Float32Array.from(nchw.dataSync() as Float32Array) };
  if (nchw !== t) nchw.dispose();
  return out;
}
