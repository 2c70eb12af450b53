import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { seedDropoutMasks } from '../../core/layers/dropout.js';
import { Dropout2d } from '../../heads/seg/dropout2d.js';

describe('Dropout2d', () => {
  beforeAll(async () => {
    await initBackend('cpu', { quiet: true });
  });

  const x = () => tf.ones([2, 3, 3, 64]);
  const draw = (seed: number) => {
    const d = new Dropout2d(0.5).train();
    seedDropoutMasks(seed);
    return tf.tidy(() => d.forward(x()).arraySync() as number[][][][]);
  };

  it('zeroes whole channels per sample and scales the rest by 1/(1-p)', () => {
    const y = draw(3);
    for (const sample of y) {
      for (let c = 0; c < 64; c++) {
        const v = sample[0]![0]![c]!;
        expect(v === 0 || v === 2).toBe(true);
        for (const row of sample) for (const px of row) expect(px[c]).toBe(v);
      }
    }
    const kept = y.flatMap((s) => s[0]![0]!).filter((v) => v === 2).length;
    expect(kept).toBeGreaterThan(32);
    expect(kept).toBeLessThan(96);
  });

  it('draws its masks from the seeded dropout stream: same seed, same mask; another seed, another mask', () => {
    expect(draw(11)).toEqual(draw(11));
    expect(draw(11)).not.toEqual(draw(12));
  });

  it('is the identity in eval mode', () => {
    const d = new Dropout2d(0.5).eval();
    expect(tf.tidy(() => d.forward(x()).arraySync())).toEqual(tf.tidy(() => x().arraySync()));
  });
});
