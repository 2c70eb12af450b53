import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterKernel } from './kernels/conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropFilterKernel } from './kernels/depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputKernel } from './kernels/depthwise-conv2d-backprop-input.js';
import { maxPoolGradKernel } from './kernels/max-pool-grad.js';
import { resizeBilinearGradKernel, resizeNearestNeighborGradKernel } from './kernels/resize-grads.js';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum.js';

interface ExtraKernel {
  name: string;
  kernelFunc: tf.KernelFunc;
  /** Why the backend's own kernel (if any) is replaced. */
  replaces?: string;
}

/**
 * Kernels that tfjs-backend-wasm 4.22 lacks or gets wrong and that training our models needs, found by
 * taking gradients through every op the models use (test/kernels/wasm-gradients.test.ts).
 */
export const WASM_EXTRA_KERNELS: readonly ExtraKernel[] = [
  { name: 'Conv2DBackpropFilter', kernelFunc: conv2dBackpropFilterKernel },
  { name: 'DepthwiseConv2dNativeBackpropFilter', kernelFunc: depthwiseConv2dBackpropFilterKernel },
  { name: 'DepthwiseConv2dNativeBackpropInput', kernelFunc: depthwiseConv2dBackpropInputKernel },
  { name: 'UnsortedSegmentSum', kernelFunc: unsortedSegmentSumKernel },
  { name: 'MaxPoolGrad', kernelFunc: maxPoolGradKernel, replaces: 'wrong gradient for all-negative windows' },
  { name: 'ResizeBilinearGrad', kernelFunc: resizeBilinearGradKernel, replaces: 'ignores halfPixelCenters' },
  { name: 'ResizeNearestNeighborGrad', kernelFunc: resizeNearestNeighborGradKernel, replaces: 'ignores halfPixelCenters' },
];

/** Kernels of tfjs-backend-cpu 4.22 that are wrong for our models, replaced by ours. */
export const CPU_EXTRA_KERNELS: readonly ExtraKernel[] = [
  { name: 'ResizeBilinearGrad', kernelFunc: resizeBilinearGradKernel, replaces: 'ignores halfPixelCenters; transposed shape for H != W' },
  { name: 'ResizeNearestNeighborGrad', kernelFunc: resizeNearestNeighborGradKernel, replaces: 'ignores halfPixelCenters' },
];

function install(backendName: string, kernels: readonly ExtraKernel[]): void {
  for (const { name, kernelFunc } of kernels) {
    const current = tf.getKernel(name, backendName);
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(name, backendName);
    tf.registerKernel({ kernelName: name, backendName, kernelFunc });
  }
}

/** Register the wasm kernels above (idempotent). */
export function registerWasmExtraKernels(): void {
  install('wasm', WASM_EXTRA_KERNELS);
}

/** Register the cpu kernel replacements above (idempotent). */
export function registerCpuExtraKernels(): void {
  install('cpu', CPU_EXTRA_KERNELS);
}
