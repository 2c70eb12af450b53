/**
 * Fused ops of the MILA block (LayerNorm, GELU, SiLU, elu + 1, RoPE, the attention output) as kernels with
 * gradients, native when the addon is present and JS otherwise. Registered by initBackend for wasm and cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_GRADIENTS } from './fused-gradients.js';
import { FUSED_KERNELS } from './fused-kernels.js';
import { nativeFusedCompute } from './fused-compute.js';

/** Set to 0 to run the composite tfjs ops instead (to measure "before", or to rule the fused ops out). */
export const FUSED_ENV = 'MILA_FUSED';

let gradientsRegistered = false;

/**
 * Register the fused kernels on `backendName`. On wasm without the native addon only those whose JS loops beat
 * tfjs' own wasm kernels are registered (`all` registers every one, for tests of the JS code on wasm).
 */
export function registerFusedKernels(backendName: 'wasm' | 'cpu', opts: { all?: boolean } = {}): void {
  if (process.env[FUSED_ENV] === '0') return;
  const jsOnly = nativeFusedCompute() === undefined;
  for (const { name, kernelFunc, jsBeatsWasm } of FUSED_KERNELS) {
    if (backendName === 'wasm' && jsOnly && !jsBeatsWasm && !opts.all) continue;
    if (tf.getKernel(name, backendName) === undefined) tf.registerKernel({ kernelName: name, backendName, kernelFunc });
  }
  if (!gradientsRegistered) {
    gradientsRegistered = true;
    for (const g of FUSED_GRADIENTS) tf.registerGradient(g);
  }
}
