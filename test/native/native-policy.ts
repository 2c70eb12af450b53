import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { NATIVE_ENV, nativeAddon, nativeStatus } from '../../core/native/addon.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Whether a test file runs its native-kernel cases. `MILA_NATIVE=0` (npm run test:fallback) turns them off.
 * Without a loadable addon (an install without a C++ compiler and no prebuild for the platform) they are skipped
 * with a notice on stderr, except under `CI=true`: there the file gets one failing case naming the addon's
 * status, since a CI machine must build or ship the addon. Call at the top level of the test file.
 */
export function nativeCasesRun(testFileUrl: string): boolean {
  if (process.env[NATIVE_ENV] === '0') return false;
  if (nativeAddon()) return true;
  const file = relative(ROOT, fileURLToPath(testFileUrl));
  if (process.env.CI === 'true') {
    it('the native addon is loaded (required under CI=true)', () => expect.fail(`native addon ${nativeStatus()}`));
  } else {
    process.stderr.write(`\n*** ${file}: native cases SKIPPED: native addon ${nativeStatus()} (under CI=true this fails)\n`);
  }
  return false;
}
