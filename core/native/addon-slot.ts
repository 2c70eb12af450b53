/**
 * Where code that may also run in a browser (the fused ops) finds the native addon. Loading it needs Node
 * (node:fs, node:module): core/native/addon.ts does that and provides it here when imported, which
 * initBackend's kernel registration does before any fused kernel runs. Nothing provides it in a browser,
 * so the fused ops run their JS loops there. Callers cast to the functions they use (as with the addon itself).
 */
let provider: (() => object | undefined) | undefined;

/** Called by the Node loader (core/native/addon.ts) at import. */
export function provideNativeAddon(get: () => object | undefined): void {
  provider = get;
}

/** The native addon if a loader was provided and it loaded, else undefined (browsers, unbuilt or disabled addon). */
export function providedNativeAddon(): object | undefined {
  return provider?.();
}
