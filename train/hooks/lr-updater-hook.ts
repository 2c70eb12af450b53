import type { Runner } from '../runner.js';
import type { RunnerHook } from './hook.js';

/** mmcv's LrUpdaterHook: before each iteration, the scheduled lr (config `lrConfig`, with warm-up) becomes `runner.lr`. */
export class LrUpdaterHook implements RunnerHook {
  readonly priority = 'VERY_HIGH';

  beforeTrainIter(runner: Runner<unknown>): void {
    runner.lr = runner.lrAt(runner.iter);
  }
}
