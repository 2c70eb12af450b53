import type { Runner } from '../runner.js';
import type { RunnerHook } from './hook.js';

/**
 * mmcv's LoggerHook: every `runner.logInterval` iterations (and where the run stops) the log buffer's averages go
 * to `logTrain`; after each evaluation its metrics go to `logVal`. Subclasses write them somewhere: text and JSON
 * lines (TextLoggerHook), scalars for a dashboard (ScalarLoggerHook), yours. The EvalHook flushes the loggers
 * before it evaluates (as mmcv's does), so an iteration's training line comes before its evaluation.
 */
export abstract class LoggerHook implements RunnerHook {
  priority: RunnerHook['priority'] = 'VERY_LOW';
  private loggedIter = -1;

  abstract logTrain(runner: Runner<unknown>, averages: Record<string, number>): void | Promise<void>;
  abstract logVal(runner: Runner<unknown>, metrics: Record<string, number>): void | Promise<void>;

  async afterTrainIter(runner: Runner<unknown>): Promise<void> {
    if (this.loggedIter === runner.iter) return;
    if (runner.iter % runner.config.runner.logInterval !== 0 && runner.iter !== runner.stopAt) return;
    const averages = runner.logBuffer.average();
    if (!averages) return;
    this.loggedIter = runner.iter;
    await this.logTrain(runner, averages);
  }

  async afterValEpoch(runner: Runner<unknown>): Promise<void> {
    if (runner.valMetrics) await this.logVal(runner, runner.valMetrics);
  }
}
