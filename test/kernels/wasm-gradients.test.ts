import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { OP_CASES } from './op-gradient-cases.js';
import { makeInputs, runCase, worstRelativeError } from './compare-backends.js';

// Forward values and gradients of every op our models use, on wasm (with our extra kernels) against
// the pure-JS cpu backend, within 1e-4 relative.
describe('wasm forward and gradients match cpu for every op the models use', () => {
  beforeAll(async () => {
    await registerAllGradients();
    await initBackend('cpu', { quiet: true });
    await initBackend('wasm', { quiet: true });
  });

  OP_CASES.forEach((c, k) => {
    it(c.name, async () => {
      const inputs = makeInputs(c, 1000 + k);
      const ref = await runCase(c, inputs, 'cpu');
      const got = await runCase(c, inputs, 'wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(worstRelativeError(got.forward, ref.forward)).toBeLessThan(1e-4);
      expect(got.grads.length).toBe(c.forwardOnly ? 0 : c.inputs.filter((s) => (s.kind ?? 'normal') === 'normal' || s.kind === 'positive').length);
      got.grads.forEach((g, i) => {
        const e = worstRelativeError(g, ref.grads[i]!);
        expect(e, `gradient of input ${i}`).toBeLessThan(1e-4);
      });
    });
  });
});
