import { Registry } from '../../core/registry.js';
import type { RunnerHook } from './hook.js';
import { ScalarLoggerHook, type ScalarLoggerOptions } from './scalar-logger-hook.js';

/**
 * Hooks by the `type` a config's `customHooks` entry names (mmcv's HOOKS and `custom_hooks`): each entry is
 * `{ type, priority?, ...options }`. Register yours from a module the config's `customImports` names.
 */
export const HOOKS = new Registry<void, RunnerHook>('hook');

export function registerHook<C extends { type: string }>(type: string, build: (cfg: C) => RunnerHook, opts?: { force?: boolean }): void {
  HOOKS.register(type, (cfg) => build(cfg as unknown as C), opts);
}

export type { HookConfig } from '../../configs/types.js';

registerHook<ScalarLoggerOptions & { type: string }>('ScalarLoggerHook', (cfg) => new ScalarLoggerHook({ file: cfg.file }));
