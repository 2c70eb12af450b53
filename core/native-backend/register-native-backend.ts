import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerCpuExtraKernels } from '../wasm-kernels.js';
import { rememberPreviousKernel, replacedKernel } from '../native/kernel-fallback.js';
import { registerNativeKernels } from '../native/native-kernels.js';
import { registerFusedKernels } from '../fused/register-fused-kernels.js';
import { nativeTensorAddon } from './native-tensor-api.js';
import { NATIVE_BACKEND, NativeBackend } from './native-backend.js';
import { COPY_KERNELS } from './kernels/copy-kernels.js';
import { ELEMENTWISE_KERNELS } from './kernels/elementwise-kernels.js';
import { REDUCE_KERNELS } from './kernels/reduce-kernels.js';
import { RESIZE_KERNELS } from './kernels/resize-kernels.js';

/** Our kernels of the native backend (each falls back to the cpu backend's kernel of its name). */
export const NATIVE_BACKEND_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  ...ELEMENTWISE_KERNELS,
  ...COPY_KERNELS,
  ...REDUCE_KERNELS,
  ...RESIZE_KERNELS,
];

/**
 * Register the `native` backend when the addon has the tensor functions (false otherwise, and nothing is
 * registered): every kernel of tfjs-backend-cpu (its stock version, also if the cpu backend already has ours on
 * top), our correctness fixes for it, then our native kernels: the tensor kernels above, GEMM and convolutions
 * (core/native/) and the fused MILA ops. Idempotent.
 */
export function registerNativeBackend(): boolean {
  if (nativeTensorAddon() === undefined) return false;
  if (tf.findBackendFactory(NATIVE_BACKEND) != null) return true;
  tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
  for (const cfg of tf.getKernelsForBackend('cpu')) {
    if (tf.getKernel(cfg.kernelName, NATIVE_BACKEND)) continue;
    // A kernel ours replaced on cpu is registered in its stock version: ours are added for `native` below.
    const kernelFunc = replacedKernel(cfg.kernelName, 'cpu') ?? cfg.kernelFunc;
    tf.registerKernel({ kernelName: cfg.kernelName, backendName: NATIVE_BACKEND, kernelFunc, setupFunc: cfg.setupFunc, disposeFunc: cfg.disposeFunc });
  }
  registerCpuExtraKernels(NATIVE_BACKEND);
  for (const { name, kernelFunc } of NATIVE_BACKEND_KERNELS) {
    const stock = tf.getKernel(name, NATIVE_BACKEND);
    if (stock) {
      rememberPreviousKernel(name, NATIVE_BACKEND, stock.kernelFunc);
      tf.unregisterKernel(name, NATIVE_BACKEND);
    }
    tf.registerKernel({ kernelName: name, backendName: NATIVE_BACKEND, kernelFunc });
  }
  registerNativeKernels(NATIVE_BACKEND);
  registerFusedKernels(NATIVE_BACKEND);
  return true;
}
