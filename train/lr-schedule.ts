import type { LrConfig, WarmupConfig } from '../configs/types.js';

/** Where training stands when the lr of the next iteration is set (mmcv's runner.epoch / runner.iter, 0-based). */
export interface ScheduleProgress {
  /** Completed iterations (runner.iter). */
  iter: number;
  /** Current epoch, 0-based (runner.epoch). */
  epoch: number;
  maxIters: number;
  maxEpochs: number;
}

/** mmcv's `get_lr` of the schedule without warm-up (the "regular" lr) for a parameter group whose initial lr is `baseLr`. */
export function regularLr(cfg: LrConfig, baseLr: number, p: ScheduleProgress): number {
  switch (cfg.policy) {
    case 'step': {
      const progress = cfg.byEpoch ? p.epoch : p.iter;
      // mmcv StepLrUpdaterHook: the exponent is the number of milestones already reached.
      let exp = cfg.step.length;
      for (let i = 0; i < cfg.step.length; i++) {
        if (progress < cfg.step[i]!) {
          exp = i;
          break;
        }
      }
      const lr = baseLr * Math.pow(cfg.gamma, exp);
      return cfg.minLr === null ? lr : Math.max(lr, cfg.minLr);
    }
    case 'poly': {
      const [progress, max] = cfg.byEpoch ? [p.epoch, p.maxEpochs] : [p.iter, p.maxIters];
      const coeff = Math.pow(1 - progress / max, cfg.power);
      return (baseLr - cfg.minLr) * coeff + cfg.minLr;
    }
  }
}

/** mmcv's `get_warmup_lr` applied to a regular lr at iteration `iter` (< warmup.iters). */
export function warmupLr(w: WarmupConfig, regular: number, iter: number): number {
  switch (w.type) {
    case 'constant':
      return regular * w.ratio;
    case 'linear':
      return regular * (1 - (1 - iter / w.iters) * (1 - w.ratio));
    case 'exp':
      return regular * Math.pow(w.ratio, 1 - iter / w.iters);
  }
}

/**
 * The lr mmcv's LrUpdaterHook sets before iteration `p.iter`: warm-up (by iteration) while iter < warmup.iters,
 * the regular schedule afterwards. Warm-up scales the regular lr of the current epoch, as mmcv does when the
 * schedule is by epoch.
 */
export function scheduledLr(cfg: LrConfig, baseLr: number, p: ScheduleProgress): number {
  const regular = regularLr(cfg, baseLr, p);
  if (cfg.warmup && cfg.warmup.iters > 0 && p.iter < cfg.warmup.iters) return warmupLr(cfg.warmup, regular, p.iter);
  return regular;
}
