import type { Runner } from '../runner.js';

/**
 * mmcv's hook priorities: lower runs first; hooks of equal priority run in the order they were registered.
 * Built-in hooks: LrUpdaterHook VERY_HIGH, CheckpointHook NORMAL, EvalHook LOW, logger hooks VERY_LOW (as mmcv and
 * mmdet register them); a hook of yours defaults to NORMAL.
 */
export const PRIORITY = {
  HIGHEST: 0,
  VERY_HIGH: 10,
  HIGH: 30,
  ABOVE_NORMAL: 40,
  NORMAL: 50,
  BELOW_NORMAL: 60,
  LOW: 70,
  VERY_LOW: 90,
  LOWEST: 100,
} as const;

export type PriorityName = keyof typeof PRIORITY;

/** A priority as mmcv takes it: a name ('LOW') or a number. */
export function priorityValue(p: number | PriorityName | undefined, what = 'hook'): number {
  if (p === undefined) return PRIORITY.NORMAL;
  if (typeof p === 'number' && Number.isFinite(p)) return p;
  if (typeof p === 'string' && p in PRIORITY) return PRIORITY[p];
  throw new Error(`${what}: priority must be a number or one of ${Object.keys(PRIORITY).join(', ')}, got ${JSON.stringify(p)}`);
}

/** The moments of a run, with mmcv's names in camelCase (`before_run` is `beforeRun`). */
export const HOOK_POINTS = ['beforeRun', 'afterRun', 'beforeTrainEpoch', 'afterTrainEpoch', 'beforeTrainIter', 'afterTrainIter', 'beforeValEpoch', 'afterValEpoch'] as const;

export type HookPoint = (typeof HOOK_POINTS)[number];

/**
 * A runner hook (mmcv's `Hook`): any of the moments below, each given the runner (its iteration, epoch, lr,
 * model, optimizer, the last step's outputs, the log buffer, ...). Methods may be async; the runner awaits them
 * in priority order.
 */
export interface RunnerHook<B = unknown> {
  readonly priority?: number | PriorityName;
  beforeRun?(runner: Runner<B>): void | Promise<void>;
  afterRun?(runner: Runner<B>): void | Promise<void>;
  beforeTrainEpoch?(runner: Runner<B>): void | Promise<void>;
  afterTrainEpoch?(runner: Runner<B>): void | Promise<void>;
  beforeTrainIter?(runner: Runner<B>): void | Promise<void>;
  afterTrainIter?(runner: Runner<B>): void | Promise<void>;
  beforeValEpoch?(runner: Runner<B>): void | Promise<void>;
  afterValEpoch?(runner: Runner<B>): void | Promise<void>;
}
