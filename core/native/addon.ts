import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envVar } from '../env.js';
import { provideNativeAddon } from './addon-slot.js';

/** Bumped with native/src/addon.cc's kAbiVersion: a stale build is ignored rather than called wrongly. */
const ABI_VERSION = 1;

/** Set to 0 to run without the native kernels even when they are built. */
export const NATIVE_ENV = 'MILA_NATIVE';

/** The functions every build of native/ has; kernel files declare their own functions' types. */
export interface NativeAddon {
  abiVersion: number;
  numThreads(): number;
  setNumThreads(n: number): void;
  sumSquares(x: Float32Array): number;
}

let loaded: { addon?: NativeAddon; status: string } | undefined;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('core/native: package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

/** What to run when the addon is missing or stale: the install step again (scripts/build-native.mjs). */
const REBUILD_HINT = 'npm rebuild mila-dense';

/**
 * The binary node-gyp-build picks (the one Node-specific step of finding it): a source build in
 * native/build/Release, else the prebuild for this platform and libc in native/prebuilds/<platform>-<arch>/.
 */
export function nativeBinaryPath(): string | undefined {
  const nodeGypBuild = createRequire(import.meta.url)('node-gyp-build') as { resolve(dir: string): string };
  try {
    return nodeGypBuild.resolve(join(packageRoot(), 'native'));
  } catch {
    return undefined;
  }
}

function load(): { addon?: NativeAddon; status: string } {
  if (envVar(NATIVE_ENV) === '0') return { status: `off (${NATIVE_ENV}=0)` };
  const file = nativeBinaryPath();
  if (!file) return { status: `not built (${REBUILD_HINT})` };
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    if (addon.abiVersion !== ABI_VERSION) {
      return { status: `stale build (abi ${addon.abiVersion}, want ${ABI_VERSION}): ${REBUILD_HINT}` };
    }
    const n = addon.numThreads();
    return { addon, status: `native kernels, ${n} thread${n === 1 ? '' : 's'}` };
  } catch (e) {
    return { status: `failed to load (${(e as Error).message.split('\n')[0]}): ${REBUILD_HINT}` };
  }
}

/** The native kernels if built and enabled, else undefined (callers then use the wasm/JS kernels). */
export function nativeAddon(): NativeAddon | undefined {
  loaded ??= load();
  return loaded.addon;
}

// Browser-safe code (the fused ops) reaches the addon through the slot, never through this Node-only file.
provideNativeAddon(nativeAddon);

/** One phrase for logs and the benchmark: whether native kernels run, and why not. */
export function nativeStatus(): string {
  loaded ??= load();
  return loaded.status;
}
