import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'];

/** Environment variable that picks the backend when no --backend flag is given. */
export const BACKEND_ENV = 'MILA_BACKEND';

const NATIVE_HINT =
  'for native speed install @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA) beside mila-dense';

let chosen: string | undefined;
let announced = false;

async function tryNative(pkg: string): Promise<boolean> {
  try {
    // The native packages are optional peers, absent by default: a dynamic import keeps them optional.
    await import(pkg);
    return tf.findBackend('tensorflow') !== undefined && (await tf.setBackend('tensorflow'));
  } catch {
    return false;
  }
}

/** Native kernels (if built) and the fused MILA ops, on top of the backend's own. */
async function registerOwnKernels(backendName: 'wasm' | 'cpu'): Promise<void> {
  const { registerNativeKernels } = await import('./native/native-kernels.js');
  const { registerFusedKernels } = await import('./fused/register-fused-kernels.js');
  registerNativeKernels(backendName);
  registerFusedKernels(backendName);
}

async function tryWasm(): Promise<boolean> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmExtraKernels } = await import('./wasm-kernels.js');
    registerWasmExtraKernels();
    await registerOwnKernels('wasm');
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** Our own backend (core/native-backend/): only when the native addon is built. */
async function tryNativeBackend(): Promise<boolean> {
  const { registerNativeBackend } = await import('./native-backend/register-native-backend.js');
  return registerNativeBackend() && (await tf.setBackend('native'));
}

async function tryCpu(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-cpu');
  const { registerCpuExtraKernels } = await import('./wasm-kernels.js');
  registerCpuExtraKernels();
  await registerOwnKernels('cpu');
  const ok = await tf.setBackend('cpu');
  // The cpu backend prints its own install banner on first use; we print one line of our own instead.
  if (ok) (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return ok;
}

async function trySpecific(name: Exclude<BackendName, 'auto'>): Promise<boolean> {
  switch (name) {
    case 'tensorflow-gpu':
      return tryNative('@tensorflow/tfjs-node-gpu');
    case 'tensorflow':
      return tryNative('@tensorflow/tfjs-node');
    case 'native':
      return tryNativeBackend();
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

export function resolveBackendName(requested?: string): BackendName {
  const name = (requested ?? process.env[BACKEND_ENV] ?? 'auto').trim();
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(`unknown backend '${name}': expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  return name as BackendName;
}

/**
 * The order `auto` tries backends in: tfjs-node-gpu, tfjs-node, then for training our `native` backend (tensors in
 * process memory, so the 4 GB wasm heap does not bound a step; only when the native kernels are built) before
 * wasm, for everything else wasm first (inference fits its heap and runs ~1.3x faster there in CPU time, see
 * README "Training at full size"), then the pure-JS cpu backend.
 */
export function autoBackendOrder(training: boolean): Exclude<BackendName, 'auto'>[] {
  return ['tensorflow-gpu', 'tensorflow', ...(training ? (['native', 'wasm'] as const) : (['wasm', 'native'] as const)), 'cpu'];
}

/**
 * Choose and initialise the tfjs backend once per process (`autoBackendOrder` for `auto`; `training` for code
 * that trains). Prints the choice once (to stderr) unless `quiet`.
 */
export async function initBackend(requested?: string, opts: { quiet?: boolean; training?: boolean } = {}): Promise<string> {
  const name = resolveBackendName(requested);
  if (chosen !== undefined && (name === 'auto' || name === chosen || (name.startsWith('tensorflow') && chosen === 'tensorflow'))) {
    return chosen;
  }
  const order: Exclude<BackendName, 'auto'>[] = name === 'auto' ? autoBackendOrder(opts.training === true) : [name];
  for (const candidate of order) {
    if (await trySpecific(candidate)) {
      await tf.ready();
      chosen = tf.getBackend();
      if (!opts.quiet && !announced) {
        announced = true;
        const native = chosen === 'tensorflow';
        const kernels = native ? '' : `, ${(await import('./native/addon.js')).nativeStatus()}`;
        process.stderr.write(`mila: backend ${candidate}${kernels}${native ? '' : ` (${NATIVE_HINT})`}\n`);
      }
      return chosen;
    }
  }
  throw new Error(`backend '${name}' is not available: ${NATIVE_HINT}`);
}
