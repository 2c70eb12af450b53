/**
 * The array-level computations behind the fused kernels: one implementation in C++ (the native addon, multi-
 * threaded) and one in JS (same loops, used when the addon is absent). Kernels call whichever is active;
 * tests switch between them with `useFusedCompute`.
 *
 * Layouts: activations are flat NHWC ([rows, channels] for LayerNorm); `qRope`/`kRope`/`o` are head-major
 * [batch, heads, tokens, headDim]; RoPE tables `cos`/`sin` are [tokens, channels / 2] (one angle per pair);
 * `kMean` is [batch, channels] (k averaged over tokens).
 */
import { providedNativeAddon } from '../native/addon-slot.js';
import { JS_FUSED_COMPUTE } from './js-fused-compute.js';

export interface FusedCompute {
  geluForward(x: Float32Array, y: Float32Array): void;
  geluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  siluForward(x: Float32Array, y: Float32Array): void;
  siluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  eluPlusOneForward(x: Float32Array, y: Float32Array): void;
  /** From the forward's output y (the derivative is min(y, 1)). */
  eluPlusOneBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void;
  layerNormForward(x: Float32Array, weight: Float32Array, bias: Float32Array, y: Float32Array, eps: number): void;
  layerNormBackward(x: Float32Array, weight: Float32Array, dy: Float32Array, dx: Float32Array, dWeight: Float32Array, dBias: Float32Array, eps: number): void;
  eluRopeForward(
    x: Float32Array, cos: Float32Array, sin: Float32Array,
    q: Float32Array, k: Float32Array, qRope: Float32Array, kRope: Float32Array, kMean: Float32Array,
    batch: number, tokens: number, channels: number, heads: number,
  ): void;
  eluRopeBackward(
    q: Float32Array, k: Float32Array, dq: Float32Array, dk: Float32Array, dqRope: Float32Array, dkRope: Float32Array,
    dkMean: Float32Array, cos: Float32Array, sin: Float32Array, dx: Float32Array,
    batch: number, tokens: number, channels: number, heads: number,
  ): void;
  /** y = (o z + lepe), times silu(gate) when a gate is given. */
  attnOutputForward(
    o: Float32Array, q: Float32Array, kMean: Float32Array, lepe: Float32Array, gate: Float32Array | null, y: Float32Array,
    batch: number, tokens: number, channels: number, heads: number,
  ): void;
  /** Without a gate, lepe's gradient is dy itself: lepe, dLepe and dGate may be null and are not used. */
  attnOutputBackward(
    o: Float32Array, q: Float32Array, kMean: Float32Array, lepe: Float32Array | null, gate: Float32Array | null, dy: Float32Array,
    dO: Float32Array, dQ: Float32Array, dKMean: Float32Array, dLepe: Float32Array | null, dGate: Float32Array | null,
    batch: number, tokens: number, channels: number, heads: number,
  ): void;
  /** nll[r] = -log softmax(logits row r)[labels[r]]; 0 where the label is ignoreIndex or outside [0, classes). */
  softmaxCrossEntropyForward(logits: Float32Array, labels: Int32Array, nll: Float32Array, classes: number, ignoreIndex: number): void;
  /** dLogits = dNll[r] (softmax(row r) - onehot(labels[r])); 0 on the rows the forward counted as 0. */
  softmaxCrossEntropyBackward(logits: Float32Array, labels: Int32Array, dNll: Float32Array, dLogits: Float32Array, classes: number, ignoreIndex: number): void;
}

/** native/src/elementwise.cc's kFusedAbiVersion: a build with other argument lists is not called. */
const FUSED_ABI_VERSION = 4;

/** The addon's fused functions, if it is loaded and was built with this version of them. */
export function nativeFusedCompute(): FusedCompute | undefined {
  const addon = providedNativeAddon() as unknown as (FusedCompute & { fusedAbiVersion?: number }) | undefined;
  return addon?.fusedAbiVersion === FUSED_ABI_VERSION ? addon : undefined;
}

let active: FusedCompute | undefined;

/** What the kernels run: native when available, else JS (or what `useFusedCompute` chose). */
export function fusedCompute(): FusedCompute {
  active ??= nativeFusedCompute() ?? JS_FUSED_COMPUTE;
  return active;
}

/** Pick the implementation (tests compare both); `undefined` returns to the default choice. */
export function useFusedCompute(impl: FusedCompute | undefined): void {
  active = impl;
}
