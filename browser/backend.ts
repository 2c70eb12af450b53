import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerFusedKernels } from '../core/fused/register-fused-kernels.js';
import { registerCpuExtraKernels, registerWasmExtraKernels } from '../core/wasm-kernels.js';

/** The backends a page can run on, fastest first where the browser offers them. */
export type BrowserBackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export const BROWSER_BACKENDS: readonly BrowserBackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

export interface BrowserBackendOptions {
  /**
   * URL prefix (ending in '/') where tfjs-backend-wasm's `.wasm` files are served; a page needs it (a bundle
   * does not carry them). The threaded build also needs the page to be cross-origin isolated (COOP + COEP).
   */
  wasmPaths?: string;
  /** wasm threads (XNNPACK's pool); default: tfjs' choice, half the logical cores (at least 1). */
  wasmThreads?: number;
  /**
   * Require synchronous read-back (`dataSync`), which the models' host-side post-processing uses (default true).
   * tfjs-backend-webgpu reads synchronously through a canvas, which returns wrong values on some adapters
   * (headless Chromium's SwiftShader here): WebGPU is then passed over. Code that only reads asynchronously
   * (`await t.data()`, e.g. a backbone benchmark) may set it false.
   */
  needsSyncRead?: boolean;
}

export interface BrowserBackendInfo {
  name: BrowserBackendName;
  /** One line for the page: e.g. 'wasm (SIMD, 2 threads)'. */
  description: string;
  /** Candidates passed over before this one, and why. */
  skipped: { name: BrowserBackendName; reason: string }[];
}

let wasmConfigured = false;

async function tryBackend(name: BrowserBackendName, opts: BrowserBackendOptions): Promise<string | null> {
  // webgpu and webgl are registered by the page importing their packages (they stay out of Node installs).
  if (tf.findBackendFactory(name) === null) {
    return `not registered (import '@tensorflow/tfjs-backend-${name}' in the page)`;
  }
  if (name === 'wasm') {
    if (!wasmConfigured) {
      if (opts.wasmPaths !== undefined) setWasmPaths(opts.wasmPaths);
      if (opts.wasmThreads !== undefined) setThreadsCount(opts.wasmThreads);
      wasmConfigured = true;
    }
    // Our kernels replace some of wasm's; they must be registered before the backend initialises (setup funcs).
    registerWasmExtraKernels();
    registerFusedKernels('wasm');
  } else if (name === 'cpu') {
    registerCpuExtraKernels();
    registerFusedKernels('cpu');
  }
  try {
    const ok = name === 'wasm' && opts.wasmThreads !== undefined ? await withLogicalCores(2 * opts.wasmThreads, () => tf.setBackend(name)) : await tf.setBackend(name);
    if (!ok) return 'failed to initialise (see the console)';
  } catch (e) {
    return (e as Error).message;
  }
  if (name === 'webgpu' && (opts.needsSyncRead ?? true) && !readsBackSynchronously()) {
    return 'its synchronous read-back (dataSync) returns wrong values on this adapter, and the models need it';
  }
  return null;
}

/** Whether dataSync of a GPU-computed tensor (larger than one canvas row: tfjs' read-back goes through a canvas) is exact. */
function readsBackSynchronously(): boolean {
  const n = 4096;
  const t = tf.tidy(() => tf.add(tf.range(0, n, 1, 'float32'), 0.5));
  try {
    const v = t.dataSync();
    for (let i = 0; i < n; i++) if (v[i] !== i + 0.5) return false;
    return true;
  } catch {
    return false;
  } finally {
    t.dispose();
  }
}

/**
 * tfjs-backend-wasm caps its thread pool at half of `navigator.hardwareConcurrency` (it assumes two hyper-threads
 * per core), read once when the module starts: 1 thread on a 2-core machine whatever setThreadsCount asks.
 * To honour `wasmThreads`, the start-up sees twice that many logical cores; the real value is back right after.
 */
async function withLogicalCores<T>(n: number, f: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!nav) return f();
  Object.defineProperty(nav, 'hardwareConcurrency', { value: n, configurable: true });
  try {
    return await f();
  } finally {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

async function describe(name: BrowserBackendName): Promise<string> {
  if (name !== 'wasm') return name;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) ? getThreadsCount() : 1;
  return `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`;
}

/**
 * Choose the tfjs backend of a page: `auto` takes WebGPU where the browser has it, else wasm (SIMD and
 * threads when the page is cross-origin isolated), else WebGL, else the pure-JS cpu backend. A named
 * backend is used or the call fails with why. wasm and cpu get our kernel fixes and the fused MILA ops
 * (JS loops; the native addon does not exist here).
 */
export async function initBrowserBackend(requested: BrowserBackendName | 'auto' = 'auto', opts: BrowserBackendOptions = {}): Promise<BrowserBackendInfo> {
  const order = requested === 'auto' ? BROWSER_BACKENDS : [requested];
  const skipped: BrowserBackendInfo['skipped'] = [];
  for (const name of order) {
    const reason = await tryBackend(name, opts);
    if (reason === null) {
      await tf.ready();
      return { name, description: await describe(name), skipped };
    }
    skipped.push({ name, reason });
  }
  throw new Error(`no backend available: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
