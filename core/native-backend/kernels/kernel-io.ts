import type * as tf from '@tensorflow/tfjs-core';
import { withAddonFallback } from '../../native/kernel-fallback.js';
import { nativeTensorAddon, type NativeTensorAddon } from '../native-tensor-api.js';
import { asNativeBackend, type NativeBackend } from '../native-backend.js';

export type Values = Float32Array | Int32Array | Uint8Array;
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The stored array of a tensor of the native backend. */
export function valuesOf(backend: NativeBackend, x: tf.TensorInfo): Values {
  return backend.data.get(x.dataId)!.values as Values;
}

/** A new output tensor with its array (from the backend's pool; contents undefined unless `zeroed`). */
export function newOutput(backend: NativeBackend, shape: number[], dtype: tf.DataType, zeroed = false): { info: tf.TensorInfo; values: Values } {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = backend.allocateValues(dtype as 'float32' | 'int32' | 'bool', size, zeroed);
  return { info: backend.makeOutputInfo(values, shape, dtype), values };
}

/** dtypes whose tensors are typed arrays of 1 or 4 bytes (not strings or complex numbers). */
export function isPlainDtype(dtype: tf.DataType): dtype is 'float32' | 'int32' | 'bool' {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

/**
 * A kernel of the native backend: `compute` runs with the tensor functions of the addon on the backend's
 * arrays, or returns undefined for a case it leaves to the cpu backend's kernel of the same name (which the
 * registration records as the previous kernel), as the addon's absence does.
 */
export function nativeBackendKernel(
  kernelName: string,
  compute: (args: KernelArgs, addon: NativeTensorAddon, backend: NativeBackend) => tf.TensorInfo | tf.TensorInfo[] | undefined,
): tf.KernelFunc {
  return withAddonFallback(kernelName, nativeTensorAddon, (args, addon) => {
    const backend = asNativeBackend(args.backend);
    return backend ? compute(args, addon, backend) : undefined;
  });
}
