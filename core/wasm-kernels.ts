import * as tf from '@tensorflow/tfjs-core';
import { envVar } from './env.js';
import { batchMatMulKernel, captureOriginalMatMulKernels, fusedMatMulKernel } from './kernels/batch-matmul.js';
import { conv2dBackpropInputKernel } from './kernels/conv2d-backprop-input.js';
import { conv2dBackpropFilterKernel } from './kernels/conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropFilterKernel } from './kernels/depthwise-conv2d-backprop-filter.js';
import { depthwiseConv2dBackpropInputKernel } from './kernels/depthwise-conv2d-backprop-input.js';
import { maxPoolGradKernel } from './kernels/max-pool-grad.js';
import { resizeBilinearGradKernel, resizeNearestNeighborGradKernel } from './kernels/resize-grads.js';
import { erfKernel } from './kernels/erf.js';
import { identityKernel } from './kernels/identity.js';
import { reverseKernel } from './kernels/reverse.js';
import { stridedSliceKernel } from './kernels/strided-slice.js';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum.js';

interface ExtraKernel {
  name: string;
  kernelFunc: tf.KernelFunc;
  /** Why the backend's own kernel (if any) is replaced. */
  replaces?: string;
  /** A replacement for speed only (results equal up to float rounding); MILA_WASM_STOCK=1 leaves these out. */
  speed?: boolean;
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
  { name: 'BatchMatMul', speed: true, kernelFunc: batchMatMulKernel, replaces: '50x slower with a batch or a transposed operand' },
  { name: '_FusedMatMul', speed: true, kernelFunc: fusedMatMulKernel, replaces: 'same slow paths as BatchMatMul' },
  { name: 'Reverse', speed: true, kernelFunc: reverseKernel, replaces: '~15x the cost of a multiply (RoPE pair swaps)' },
  { name: 'Conv2DBackpropInput', speed: true, kernelFunc: conv2dBackpropInputKernel, replaces: '11x slower than the forward conv (conv gradients, conv2dTranspose)' },
  { name: 'StridedSlice', speed: true, kernelFunc: stridedSliceKernel, replaces: '~300 ns per element at stride 2' },
  { name: 'Erf', speed: true, kernelFunc: erfKernel, replaces: '~6x the cost of a sigmoid (exact GELU)' },
  { name: 'Identity', speed: true, kernelFunc: identityKernel, replaces: 'copies; tfjs clones every tensor it saves for backward' },
];

/** Kernels of tfjs-backend-cpu 4.22 that are wrong for our models, replaced by ours. */
export const CPU_EXTRA_KERNELS: readonly ExtraKernel[] = [
  { name: 'ResizeBilinearGrad', kernelFunc: resizeBilinearGradKernel, replaces: 'ignores halfPixelCenters; transposed shape for H != W' },
  { name: 'ResizeNearestNeighborGrad', kernelFunc: resizeNearestNeighborGradKernel, replaces: 'ignores halfPixelCenters' },
];

/** Set to 1 to measure tfjs' stock wasm kernels (the benchmark's "before"): speed replacements are skipped. */
export const STOCK_KERNELS_ENV = 'MILA_WASM_STOCK';

function install(backendName: string, kernels: readonly ExtraKernel[]): void {
  const stock = envVar(STOCK_KERNELS_ENV) === '1';
  for (const { name, kernelFunc, speed } of kernels) {
    if (speed && stock) continue;
    const current = tf.getKernel(name, backendName);
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) tf.unregisterKernel(name, backendName);
    // The replaced kernel's setup (wasm binds its C function there) still runs at backend init, since
    // ours may call the original.
    tf.registerKernel({ kernelName: name, backendName, kernelFunc, setupFunc: current?.setupFunc });
  }
}

/** Register the wasm kernels above (idempotent). */
export function registerWasmExtraKernels(): void {
  captureOriginalMatMulKernels('wasm');
  install('wasm', WASM_EXTRA_KERNELS);
}

/** Register the cpu kernel replacements above (idempotent) on `cpu`, or on a backend built on its kernels (`native`). */
export function registerCpuExtraKernels(backendName = 'cpu'): void {
  install(backendName, CPU_EXTRA_KERNELS);
}
