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
} as const;

export interface LayerNormAttrs {
  eps: number;
}

export interface HeadsAttrs {
  heads: number;
}
