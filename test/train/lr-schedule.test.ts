import { describe, expect, it } from 'vitest';
import { polySchedule, stepSchedule } from '../../configs/types.js';
import { scheduledLr } from '../../train/lr-schedule.js';

// Expected values are mmcv's formulas worked by hand:
// linear warm-up lr = regular * (1 - (1 - i/W) * (1 - ratio)); step: base * 0.1^(#milestones reached); poly: base * (1 - i/max).
const at = (iter: number, bpe: number, maxEpochs: number) => ({ iter, epoch: Math.floor(iter / bpe), maxIters: maxEpochs * bpe, maxEpochs });

describe('mmcv step schedule (schedule_1x + MLLA warm-up)', () => {
  const cfg = stepSchedule([8, 11]);
  const lr = (iter: number) => scheduledLr(cfg, 1e-4, at(iter, 100, 12));
  it('warms up linearly from 0.001 over 500 iterations', () => {
    expect(lr(0)).toBeCloseTo(1e-7, 15);
    // factor 1 - (499/500) * 0.999 = 0.002998
    expect(lr(1)).toBeCloseTo(2.998e-7, 15);
    expect(lr(250)).toBeCloseTo(5.005e-5, 15);
    expect(lr(499)).toBeCloseTo(9.9800200e-5, 13);
  });
  it('is the base lr after warm-up and decays x0.1 at epochs 8 and 11', () => {
    expect(lr(500)).toBeCloseTo(1e-4, 15);
    expect(lr(799)).toBeCloseTo(1e-4, 15); // epoch 7 (0-based)
    expect(lr(800)).toBeCloseTo(1e-5, 15); // epoch 8
    expect(lr(1099)).toBeCloseTo(1e-5, 15);
    expect(lr(1100)).toBeCloseTo(1e-6, 16);
    expect(lr(1199)).toBeCloseTo(1e-6, 16);
  });
  it('warms up from the decayed lr when a milestone falls inside warm-up (mmcv by-epoch behaviour)', () => {
    const c = stepSchedule([1]);
    // iter 150 with 100 batches/epoch: epoch 1, regular 1e-5; factor 1 - 0.7 * 0.999 = 0.3007
    expect(scheduledLr(c, 1e-4, at(150, 100, 12))).toBeCloseTo(3.007e-6, 15);
  });
});

describe('mmcv poly schedule (MLLA UperNet)', () => {
  const cfg = polySchedule();
  const lr = (iter: number) => scheduledLr(cfg, 6e-5, { iter, epoch: 0, maxIters: 160000, maxEpochs: 1 });
  it('warms up linearly from 1e-6 of the poly lr over 1500 iterations', () => {
    expect(lr(0)).toBeCloseTo(6e-11, 20);
    // regular 6e-5 * (1 - 750/160000) = 5.971875e-5; factor 1 - 0.5 * (1 - 1e-6) = 0.5000005
    expect(lr(750)).toBeCloseTo(2.98594048594e-5, 15);
  });
  it('decays linearly to 0 by iteration after warm-up', () => {
    expect(lr(1500)).toBeCloseTo(5.94375e-5, 15);
    expect(lr(80000)).toBeCloseTo(3e-5, 15);
    expect(lr(159999)).toBeCloseTo(3.75e-10, 18);
  });
  it('honours min_lr and power', () => {
    const c = { ...polySchedule(), power: 0.9, minLr: 1e-6, warmup: null };
    // (6e-5 - 1e-6) * 0.5^0.9 + 1e-6 = 5.9e-5 * 0.535886731 + 1e-6
    expect(scheduledLr(c, 6e-5, { iter: 80000, epoch: 0, maxIters: 160000, maxEpochs: 1 })).toBeCloseTo(3.26173171e-5, 12);
  });
});
