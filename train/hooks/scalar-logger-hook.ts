import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Runner } from '../runner.js';
import { LoggerHook } from './logger-hook.js';

export interface ScalarLoggerOptions {
  /** The JSONL file, relative to the work dir (default `scalars.jsonl`). */
  file?: string;
}

/**
 * Scalars for a dashboard, as mmcv's TensorboardLoggerHook chooses them (`train/<term>`, `train/lr`, `val/<metric>`;
 * not time and data_time), one JSON line per scalar: `{"tag", "value", "step", "wall_time"}` (the fields of a
 * TensorBoard scalar event). No maintained TensorBoard event-file writer without native code is on npm, so this
 * writes JSONL; it is also the example of a logger hook of one's own (config: `customHooks: [{ "type":
 * "ScalarLoggerHook" }]`).
 */
export class ScalarLoggerHook extends LoggerHook {
  constructor(private readonly opts: ScalarLoggerOptions = {}) {
    super();
  }

  logTrain(runner: Runner<unknown>, averages: Record<string, number>): void {
    const { time: _t, data_time: _d, ...scalars } = averages;
    this.write(runner, 'train', { ...scalars, lr: runner.lr });
  }

  logVal(runner: Runner<unknown>, metrics: Record<string, number>): void {
    this.write(runner, 'val', metrics);
  }

  private write(runner: Runner<unknown>, mode: string, scalars: Record<string, number>): void {
    if (!runner.workDir) return;
    const name = this.opts.file ?? 'scalars.jsonl';
    const file = isAbsolute(name) ? name : join(runner.workDir, name);
    mkdirSync(dirname(file), { recursive: true });
    const wallTime = Date.now() / 1000;
    const lines = Object.entries(scalars).map(([k, value]) => JSON.stringify({ tag: `${mode}/${k}`, value, step: runner.iter, wall_time: wallTime }));
    appendFileSync(file, `${lines.join('\n')}\n`);
  }
}
