/** Names of the fused kernels (registered for wasm and cpu by register-fused-kernels.ts). */
export const FUSED = {
  gelu: 'MilaGelu',
  geluGrad: 'MilaGeluGrad',
  silu: 'MilaSilu',
  siluGrad: 'MilaSiluGrad',
  eluPlusOne: 'MilaEluPlusOne',
  eluPlusOneGrad: 'MilaEluPlusOneGrad',
  layerNorm: 'MilaLayerNorm',
  layerNormGrad: 'MilaLayerNormGrad',
  eluRope: 'MilaEluRope',
  eluRopeGrad: 'MilaEluRopeGrad',
  attnOutput: 'MilaAttnOutput',
  attnOutputGrad: 'MilaAttnOutputGrad',
  gatedAttnOutput: 'MilaGatedAttnOutput',
  gatedAttnOutputGrad: 'MilaGatedAttnOutputGrad',
  softmaxCrossEntropy: 'MilaSoftmaxCrossEntropy',
  softmaxCrossEntropyGrad: 'MilaSoftmaxCrossEntropyGrad',
} as const;

/**
 * Kernels whose JS loops beat the composite of tfjs-backend-wasm's own (SIMD) kernels: without the native addon,
 * the ops use only these on wasm. Measured at 128² (block.mila.128, MILA_NATIVE=0): eluRope JS 29 ms vs ~50 ms
 * of SplitV, Reverse, Elu, Mul/Add, Transpose and Mean; but SiLU 14 vs 3 ms, the attention output 19 vs 8,
 * LayerNorm 17 vs 12, GELU 42 vs 44 (their gradients alike). On cpu JS always wins (block.mila.56 on cpu:
 * 2,029 -> 735 ms). The softmax cross-entropy is here for memory: its composite holds five logit-sized tensors.
 */
export const JS_BEATS_WASM: ReadonlySet<string> = new Set([FUSED.eluRope, FUSED.eluRopeGrad, FUSED.softmaxCrossEntropy, FUSED.softmaxCrossEntropyGrad]);

export interface LayerNormAttrs {
  eps: number;
}

export interface HeadsAttrs {
  heads: number;
}

export interface SoftmaxCrossEntropyAttrs {
  ignoreIndex: number;
}
