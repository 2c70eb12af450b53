/** Runner hooks (mmcv's `runner/hooks/`): the moments of a run, the built-in hooks, the hook registry. */
export { PRIORITY, HOOK_POINTS, priorityValue, type PriorityName, type HookPoint, type RunnerHook } from './hook.js';
export { LogBuffer } from './log-buffer.js';
export { LrUpdaterHook } from './lr-updater-hook.js';
export { CheckpointHook } from './checkpoint-hook.js';
export { EvalHook, type Evaluate } from './eval-hook.js';
export { LoggerHook } from './logger-hook.js';
export { TextLoggerHook } from './text-logger-hook.js';
export { ScalarLoggerHook, type ScalarLoggerOptions } from './scalar-logger-hook.js';
export { HOOKS, registerHook, type HookConfig } from './registry.js';
