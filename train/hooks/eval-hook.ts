import type { Runner } from '../runner.js';
import type { RunnerHook } from './hook.js';
import { LoggerHook } from './logger-hook.js';

/** Runs the task's evaluation with the model in eval mode and returns metrics to log. */
export type Evaluate = (ctx: { epoch: number; iter: number }) => Promise<Record<string, number>>;

/**
 * mmcv/mmdet's EvalHook (priority LOW): every `interval` epochs or iterations and at the last iteration, the logger
 * hooks first write the training interval (mmcv does the same), then `beforeValEpoch`, the evaluation in eval mode
 * (the progress bar paused), `runner.valMetrics`, `afterValEpoch` (the loggers write the metrics).
 */
export class EvalHook implements RunnerHook {
  readonly priority = 'LOW';

  constructor(
    private readonly interval: number,
    private readonly evaluate: Evaluate,
  ) {}

  async afterTrainIter(runner: Runner<unknown>): Promise<void> {
    const unit = runner.completedUnit();
    if (unit === null || !(unit % this.interval === 0 || runner.isLastIter)) return;
    for (const hook of runner.hooks) if (hook instanceof LoggerHook) await hook.afterTrainIter(runner);
    await runner.callHook('beforeValEpoch');
    const ctx = { epoch: runner.epoch + 1, iter: runner.iter };
    const metrics = await runner.whileEvaluating(() => this.evaluate(ctx));
    runner.valMetrics = metrics;
    runner.evals.push({ ...ctx, metrics });
    await runner.callHook('afterValEpoch');
  }
}
