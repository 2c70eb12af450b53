import type { Runner } from '../runner.js';
import type { RunnerHook } from './hook.js';

/**
 * mmcv's CheckpointHook: every `runner.checkpointInterval` epochs or iterations (the runner's unit) and at the last
 * iteration (mmcv's save_last), a training checkpoint in the work dir; also where a run stops early (--time-limit,
 * `stopAtIter`), so it can be resumed there.
 */
export class CheckpointHook implements RunnerHook {
  readonly priority = 'NORMAL';

  constructor(private readonly interval: number) {}

  afterTrainIter(runner: Runner<unknown>): void {
    const unit = runner.completedUnit();
    const due = unit !== null && (unit % this.interval === 0 || runner.isLastIter);
    const interrupted = runner.iter === runner.stopAt && !runner.isLastIter;
    if (!due && !interrupted) return;
    const name = runner.config.runner.type === 'epoch' && due ? `epoch_${unit}` : `iter_${runner.iter}`;
    const base = runner.saveCheckpoint(name);
    runner.checkpoints.push(base);
    runner.log(`saved checkpoint ${base}.safetensors`);
  }
}
