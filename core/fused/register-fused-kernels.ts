/**
 * Fused ops of the MILA block (LayerNorm, GELU, SiLU, elu + 1, RoPE, the attention output) as kernels with
 * gradients, native when the addon is present and JS otherwise. Registered by initBackend for wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { envVar } from '../env.js';
import { FUSED_GRADIENTS } from './fused-gradients.js';
import { FUSED_KERNELS } from './fused-kernels.js';

/** Set to 0 to run the composite tfjs ops instead (to measure "before", or to rule the fused ops out). */
export const FUSED_ENV = 'MILA_FUSED';

let gradientsRegistered = false;

/** Register every fused kernel on `backendName` (which ones the ops use: core/fused/fused-ops.ts). */
export function registerFusedKernels(backendName: string): void {
  if (envVar(FUSED_ENV) === '0') return;
  for (const { name, kernelFunc } of FUSED_KERNELS) {
    if (tf.getKernel(name, backendName) === undefined) tf.registerKernel({ kernelName: name, backendName, kernelFunc });
  }
  if (!gradientsRegistered) {
    gradientsRegistered = true;
    for (const g of FUSED_GRADIENTS) tf.registerGradient(g);
  }
}
