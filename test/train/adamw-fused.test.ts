import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { nativeAddon } from '../../core/native/addon.js';
import { nativeCasesRun } from '../native/native-policy.js';
import { Rng } from '../../core/rng.js';
import { AdamW } from '../../train/adamw.js';
import { adamwStepJs, hasAdamWKernel } from '../../train/adamw-kernel.js';

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  await initBackend('wasm', { quiet: true });
});

function randomValues(n: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

/** Three steps of AdamW (decay and no-decay groups, an lr multiplier) fused or as the composite of tfjs ops. */
function threeSteps(fused: boolean): Float32Array[] {
  const shapes: number[][] = [[7, 5], [13], [3, 3, 2, 4]];
  const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(randomValues(tf.util.sizeFromShape(s), 10 + i), s), true, `adamw_fused_${fused}_${i}`)));
  const opt = new AdamW(
    vars.map((variable, i) => ({ name: `p${i}`, variable, lrMult: i === 1 ? 0.5 : 1, weightDecay: i === 1 ? 0 : 0.05 })),
    { betas: [0.9, 0.999], eps: 1e-8 },
  );
  opt.fused = fused;
  for (let step = 0; step < 3; step++) {
    const grads = Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(randomValues(v.size, 100 * step + i, 0.1 + i), v.shape)]));
    opt.step(grads, 2e-3);
    tf.dispose(Object.values(grads));
  }
  const sd = opt.stateDict();
  const out = [...vars.map((v) => Float32Array.from(v.dataSync())), ...[...sd.values()].filter((t) => t.dtype === 'float32').map((t) => t.data as Float32Array)];
  opt.dispose();
  tf.dispose(vars);
  return out;
}

const nativeCases = nativeCasesRun(import.meta.url);

describe('fused AdamW step', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`on ${backend}: parameters and moments identical, bit for bit, to the composite of tfjs ops`, async () => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const fused = threeSteps(true);
      expect(hasAdamWKernel()).toBe(true);
      const composite = threeSteps(false);
      expect(tf.memory().numTensors).toBe(before);
      expect(fused.length).toBe(9);
      fused.forEach((f, i) => expect(Array.from(f), `array ${i}`).toEqual(Array.from(composite[i]!)));
    });
  }

  it.runIf(nativeCases)('native step equals the JS loop bit for bit', () => {
    const addon = nativeAddon() as unknown as { adamwStep(...a: Float32Array[]): void };
    const n = 200_003;
    const [p, m, v, g] = [1, 2, 3, 4].map((s) => randomValues(n, s));
    for (let i = 0; i < n; i++) v![i] = Math.abs(v![i]!) * 1e-3;
    const c = Float32Array.of(1 - 2e-3 * 0.05, 0.9, 1 - 0.9, 0.999, 1 - 0.999, Math.sqrt(1 - 0.999 ** 4), 1e-8, 2e-3 / (1 - 0.9 ** 4));
    const js = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
    const nat = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
    adamwStepJs(p!, m!, v!, g!, ...js, c);
    addon.adamwStep(p!, m!, v!, g!, ...nat, c);
    for (let k = 0; k < 3; k++) {
      let differing = 0;
      for (let i = 0; i < n; i++) if (!Object.is(nat[k][i], js[k][i])) differing++;
      expect(differing, `output ${k}`).toBe(0);
    }
    // and it moved: a step of about lr per element against the gradient's sign
    expect(js[0][0]).not.toBe(p![0]);
  });
});
