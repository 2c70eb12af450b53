import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { NATIVE_ENV, nativeAddon, nativeStatus } from '../../core/native/addon.js';
import { nativeCasesRun } from '../native/native-policy.js';

// The addon comes prebuilt or is built by `npm install`; see native-policy.ts for when these cases skip.
describe.runIf(nativeCasesRun(import.meta.url))('native addon', () => {
  it('is built and loaded', () => {
    expect(nativeStatus()).toMatch(/^native kernels, \d+ threads?$/);
    expect(nativeAddon()).toBeDefined();
  });

  it('spreads a loop over the thread pool with the same result at any thread count', () => {
    const addon = nativeAddon()!;
    const x = new Float32Array(1_000_003);
    let expected = 0;
    for (let i = 0; i < x.length; i++) {
      x[i] = ((i * 7919) % 1000) / 1000 - 0.5;
      expected += x[i]! * x[i]!;
    }
    const before = addon.numThreads();
    try {
      for (const n of [1, 2, 3]) {
        addon.setNumThreads(n);
        expect(addon.numThreads()).toBe(n);
        expect(addon.sumSquares(x)).toBeCloseTo(expected, 6);
      }
    } finally {
      addon.setNumThreads(before);
    }
  });

  it('turns a wrong argument into a one-line JS error', () => {
    const addon = nativeAddon()!;
    expect(() => addon.sumSquares(new Int32Array(4) as unknown as Float32Array)).toThrow(
      'mila_native.sumSquares: argument 0 has the wrong element type',
    );
  });
});

describe('native addon switch', () => {
  // A fresh process, since the loader decides once; it runs the compiled module (npm install builds dist/).
  it(`${NATIVE_ENV}=0 leaves the addon unloaded and says so`, () => {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('./dist/core/native/addon.js'); console.log(m.nativeStatus(), m.nativeAddon() === undefined)"],
      { env: { ...process.env, [NATIVE_ENV]: '0' }, encoding: 'utf8' },
    );
    expect(out.trim()).toBe(`off (${NATIVE_ENV}=0) true`);
  });
});
