import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatDuration } from '../progress.js';
import type { Runner } from '../runner.js';
import { LoggerHook } from './logger-hook.js';

/**
 * mmcv's TextLoggerHook: a line per log interval (`Iter [20/600]\tlr: ..., eta: ..., time: ..., data_time: ..., terms,
 * loss: ...`, or `Epoch [e][i/n]` by epoch) and per evaluation (`Iter(val) [N]\tmetric: value, ...`), and the same
 * records as JSON lines in `<workDir>/log.jsonl` (mmcv's `.log.json`: `mode`, `epoch`, `iter`, `lr`, ...).
 */
export class TextLoggerHook extends LoggerHook {
  logTrain(runner: Runner<unknown>, averages: Record<string, number>): void {
    const { time, data_time: dataTime, ...avg } = averages;
    const epoch = runner.epoch + 1;
    const where = runner.config.runner.type === 'epoch' ? `Epoch [${epoch}][${runner.innerIter + 1}/${runner.batchesPerEpoch}]` : `Iter [${runner.iter}/${runner.maxIters}]`;
    const eta = runner.secondsPerIter * (runner.maxIters - runner.iter);
    const terms = Object.entries(avg).filter(([k]) => k !== 'loss' && k !== 'grad_norm').map(([k, v]) => `${k}: ${v.toFixed(4)}`);
    if (avg.grad_norm !== undefined) terms.push(`grad_norm: ${avg.grad_norm.toFixed(4)}`);
    runner.log(
      `${where}\tlr: ${runner.lr.toExponential(3)}, eta: ${formatDuration(eta)}, time: ${time!.toFixed(3)}, data_time: ${dataTime!.toFixed(3)}, ${[...terms, `loss: ${avg.loss!.toFixed(4)}`].join(', ')}`,
    );
    this.writeJson(runner, { mode: 'train', epoch, iter: runner.iter, lr: runner.lr, time, data_time: dataTime, ...avg });
  }

  logVal(runner: Runner<unknown>, metrics: Record<string, number>): void {
    const epoch = runner.epoch + 1;
    const shown = Object.entries(metrics).map(([k, v]) => `${k}: ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(', ');
    runner.log(runner.config.runner.type === 'epoch' ? `Epoch(val) [${epoch}]\t${shown}` : `Iter(val) [${runner.iter}]\t${shown}`);
    this.writeJson(runner, { mode: 'val', epoch, iter: runner.iter, ...metrics });
  }

  private writeJson(runner: Runner<unknown>, record: Record<string, unknown>): void {
    if (!runner.workDir) return;
    mkdirSync(runner.workDir, { recursive: true });
    appendFileSync(join(runner.workDir, 'log.jsonl'), `${JSON.stringify(record)}\n`);
  }
}
