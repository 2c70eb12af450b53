import * as tf from '@tensorflow/tfjs-core';
import { HOST_MEMORY_BACKENDS, KernelHost } from '../core/kernels/kernel-host.js';
import { nativeAddon } from '../core/native/addon.js';

/** One AdamW step of one parameter as a single kernel: inputs p, m, v, g; outputs [p', m', v']. */
export const ADAMW_KERNEL = 'MilaAdamW';

/** The step's scalars; the kernel rounds each to float32, as tfjs does when a scalar meets a float32 tensor. */
export interface AdamWStepConstants {
  /** 1 - lr * weightDecay (1 without weight decay). */
  decay: number;
  beta1: number;
  beta2: number;
  /** sqrt(1 - beta2^t). */
  bc2Sqrt: number;
  eps: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
}

type AdamWNative = { adamwStep?(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, c: Float32Array): void };

function constantsOf(attrs: AdamWStepConstants): Float32Array {
  return Float32Array.of(attrs.decay, attrs.beta1, 1 - attrs.beta1, attrs.beta2, 1 - attrs.beta2, attrs.bc2Sqrt, attrs.eps, attrs.stepSize);
}

/**
 * The same float32 operations, in the same order, as AdamW's composite of tfjs ops (and PyTorch's
 * single-tensor AdamW), so the fused step and the composite give identical bits.
 */
export function adamwStepJs(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, pOut: Float32Array, mOut: Float32Array, vOut: Float32Array, c: Float32Array): void {
  const f = Math.fround;
  const [decay, beta1, omb1, beta2, omb2, bc2Sqrt, eps, stepSize] = c as unknown as number[];
  for (let i = 0; i < p.length; i++) {
    const gi = g[i]!;
    const decayed = f(p[i]! * decay!);
    const mi = f(f(m[i]! * beta1!) + f(gi * omb1!));
    const vi = f(f(v[i]! * beta2!) + f(f(gi * gi) * omb2!));
    const denom = f(f(f(Math.sqrt(vi)) / bc2Sqrt!) + eps!);
    mOut[i] = mi;
    vOut[i] = vi;
    pOut[i] = f(decayed - f(f(mi / denom) * stepSize!));
  }
}

const adamwKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { p, m, v, g } = inputs as Record<'p' | 'm' | 'v' | 'g', tf.TensorInfo>;
  const host = new KernelHost(backend);
  const outs = [host.allocFloat32([...p.shape]), host.allocFloat32([...p.shape]), host.allocFloat32([...p.shape])];
  const [pOut, mOut, vOut] = outs.map((o) => host.f32(o)) as [Float32Array, Float32Array, Float32Array];
  const c = constantsOf(attrs as unknown as AdamWStepConstants);
  const native = nativeAddon() as AdamWNative | undefined;
  // A build from before this function existed lacks it: the JS loop gives the same result.
  const step = native?.adamwStep ? native.adamwStep.bind(native) : adamwStepJs;
  step(host.f32(p), host.f32(m), host.f32(v), host.f32(g), pOut, mOut, vOut, c);
  return outs;
};

/** Register the fused step for the wasm, cpu and native backends (idempotent); other backends use the composite. */
export function registerAdamWKernel(): void {
  for (const backendName of HOST_MEMORY_BACKENDS) {
    if (tf.getKernel(ADAMW_KERNEL, backendName) === undefined) {
      tf.registerKernel({ kernelName: ADAMW_KERNEL, backendName, kernelFunc: adamwKernel });
    }
  }
}

/** Whether the active backend runs the fused step (float32 parameters only). */
export function hasAdamWKernel(): boolean {
  return tf.getKernel(ADAMW_KERNEL, tf.getBackend()) !== undefined;
}

/** [p', m', v'] for one step; the caller assigns them. */
export function adamwStepFused(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, c: AdamWStepConstants): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(ADAMW_KERNEL, { p, m, v, g }, c as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}
