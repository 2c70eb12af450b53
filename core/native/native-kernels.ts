import * as tf from '@tensorflow/tfjs-core';
import { envVar } from '../env.js';
import { STOCK_KERNELS_ENV } from '../wasm-kernels.js';
import { nativeKernelAddon } from './native-api.js';
import { hasPreviousKernel, rememberPreviousKernel } from './kernel-fallback.js';
import { nativeBatchMatMul, nativeFusedMatMul } from './native-matmul.js';
import { nativeMean, nativeSum } from './native-sum.js';
import { nativeFusedBatchNorm } from './native-batch-norm.js';
import { nativeConv2D, nativeDepthwiseConv2D, nativeFusedConv2D, nativeFusedDepthwiseConv2D } from './native-conv.js';
import {
  nativeConv2DBackpropFilter, nativeConv2DBackpropInput, nativeDepthwiseBackpropFilter, nativeDepthwiseBackpropInput,
} from './native-conv-grads.js';

/** The tfjs kernels the addon computes (Sum: the bias gradient of the matmuls; Mean: over tokens; FusedBatchNorm: stem and patch merging), each falling back to the kernel it replaced for what it does not support. */
export const NATIVE_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: 'BatchMatMul', kernelFunc: nativeBatchMatMul },
  { name: '_FusedMatMul', kernelFunc: nativeFusedMatMul },
  { name: 'Conv2D', kernelFunc: nativeConv2D },
  { name: 'FusedConv2D', kernelFunc: nativeFusedConv2D },
  { name: 'DepthwiseConv2dNative', kernelFunc: nativeDepthwiseConv2D },
  { name: 'FusedDepthwiseConv2D', kernelFunc: nativeFusedDepthwiseConv2D },
  { name: 'Conv2DBackpropInput', kernelFunc: nativeConv2DBackpropInput },
  { name: 'Conv2DBackpropFilter', kernelFunc: nativeConv2DBackpropFilter },
  { name: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: nativeDepthwiseBackpropInput },
  { name: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: nativeDepthwiseBackpropFilter },
  { name: 'Sum', kernelFunc: nativeSum },
  { name: 'Mean', kernelFunc: nativeMean },
  { name: 'FusedBatchNorm', kernelFunc: nativeFusedBatchNorm },
];

/**
 * tfjs kernels (BatchMatMul, convolutions and their gradients) computed by the native addon on the
 * wasm and cpu backends' own memory. Registered by initBackend after the wasm/cpu extra kernels when
 * the addon is present; nothing is registered without the addon or with MILA_WASM_STOCK=1 (the
 * benchmark's "before"). Idempotent.
 */
export function registerNativeKernels(backendName: string): void {
  if (envVar(STOCK_KERNELS_ENV) === '1' || nativeKernelAddon() === undefined) return;
  for (const { name, kernelFunc } of NATIVE_KERNELS) {
    const current = tf.getKernel(name, backendName);
    if (current?.kernelFunc === kernelFunc) continue;
    // Without a kernel to fall back to, unsupported cases would have nowhere to go: leave it alone.
    if (current === undefined) continue;
    if (!hasPreviousKernel(name, backendName)) rememberPreviousKernel(name, backendName, current.kernelFunc);
    tf.unregisterKernel(name, backendName);
    // The replaced kernel's setup still runs at backend init (wasm binds its C function there), since
    // the fallback calls it.
    tf.registerKernel({ kernelName: name, backendName, kernelFunc, setupFunc: current.setupFunc, disposeFunc: current.disposeFunc });
  }
}
