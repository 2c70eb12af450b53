import * as tf from '@tensorflow/tfjs-core';
import { nativeKernelAddon, type NativeKernelAddon } from './native-api.js';

/**
 * The kernels our native ones replaced, per backend, and the switch between them. A native kernel
 * computes what it supports and hands everything else (other dtypes, layouts, broadcasts, prelu) to
 * the kernel that was registered before it, with the same arguments.
 */
const previous = new Map<string, tf.KernelFunc>();
let enabled = true;
const counts = new Map<string, { native: number; fallback: number }>();

function count(kernelName: string, native: boolean): void {
  let c = counts.get(kernelName);
  if (!c) counts.set(kernelName, (c = { native: 0, fallback: 0 }));
  if (native) c.native++;
  else c.fallback++;
}

/** Calls per kernel since the process started: computed natively, or handed to the previous kernel. */
export function nativeKernelCounts(): Record<string, { native: number; fallback: number }> {
  return Object.fromEntries([...counts].map(([k, v]) => [k, { ...v }]));
}

function key(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

export function rememberPreviousKernel(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  previous.set(key(kernelName, backendName), kernelFunc);
}

export function hasPreviousKernel(kernelName: string, backendName: string): boolean {
  return previous.has(key(kernelName, backendName));
}

/** The kernel a native kernel replaced on this backend (what it falls back to), if it replaced one. */
export function replacedKernel(kernelName: string, backendName: string): tf.KernelFunc | undefined {
  return previous.get(key(kernelName, backendName));
}

/**
 * Turn the native kernels off (they then call the previous kernels) or on again; for comparing both
 * on the same backend in tests and measurements. Returns the previous setting.
 */
export function setNativeKernelsEnabled(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

function backendNameOf(backend: unknown): string {
  const engine = tf.engine();
  const name = engine.backendNames().find((n) => engine.findBackend(n) === backend);
  if (name === undefined) throw new Error('core/native: kernel called on an unregistered backend');
  return name;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type TensorInfo = tf.TensorInfo;

/**
 * A kernel that runs `compute` with the addon, or the previous kernel when the addon is absent, the
 * native kernels are switched off, or `compute` returns undefined (a case it does not support).
 */
export function withFallback(kernelName: string, compute: (args: KernelArgs, addon: NativeKernelAddon) => TensorInfo | undefined): tf.KernelFunc {
  return withAddonFallback(kernelName, nativeKernelAddon, compute);
}

/** withFallback for kernels that need another part of the addon (`addonOf` says whether it is there). */
export function withAddonFallback<A>(
  kernelName: string, addonOf: () => A | undefined, compute: (args: KernelArgs, addon: A) => TensorInfo | TensorInfo[] | undefined,
): tf.KernelFunc {
  return (args) => {
    const addon = addonOf();
    if (enabled && addon) {
      const out = compute(args, addon);
      if (out !== undefined) {
        count(kernelName, true);
        return out;
      }
    }
    count(kernelName, false);
    const fallback = previous.get(key(kernelName, backendNameOf(args.backend)));
    if (fallback === undefined) throw new Error(`core/native: no kernel ${kernelName} to fall back to on this backend`);
    return fallback(args);
  };
}
