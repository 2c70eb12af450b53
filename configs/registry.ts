import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { closeMatches } from '../core/close-matches.js';
import type { ExperimentConfig } from './types.js';

/**
 * Every named preset. Preset files (`configs/mask-rcnn.ts`, `configs/upernet.ts`, ...) call `registerConfigs`
 * at import, and `configs/index.ts` imports each of them once; this module holds no presets itself so that
 * the import order between them never matters.
 */
const presets = new Map<string, ExperimentConfig>();

export function registerConfigs(configs: readonly ExperimentConfig[]): void {
  for (const c of configs) {
    if (presets.has(c.name)) throw new Error(`config '${c.name}' is registered twice`);
    presets.set(c.name, c);
  }
}

export function configNames(): string[] {
  return [...presets.keys()].sort();
}

/** A deep copy of a preset (callers may override keys freely); unknown names are a one-line error with close matches. */
export function getConfig(name: string): ExperimentConfig {
  const c = presets.get(name);
  if (!c) {
    const near = closeMatches(name, configNames());
    throw new UserError(`unknown config '${name}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; \`mila configs\` lists them`);
  }
  return structuredClone(c);
}

/**
 * A config named on the command line: a registered preset name, or a path to a JSON file holding a whole
 * config (as `mila train` writes into its work dir).
 */
export function resolveConfig(nameOrPath: string): ExperimentConfig {
  if (presets.has(nameOrPath) || !nameOrPath.endsWith('.json')) return getConfig(nameOrPath);
  if (!existsSync(nameOrPath)) throw new UserError(`${nameOrPath}: config file not found`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (err) {
    throw new UserError(`${nameOrPath}: not valid JSON (${(err as Error).message})`);
  }
  return checkConfigShape(parsed, nameOrPath);
}

const REQUIRED_KEYS = ['name', 'task', 'model', 'data', 'optimizer', 'lrConfig', 'runner', 'evaluation', 'seed'] as const;

/** The top-level shape only: the task's model builder and the runner check their own sections. */
export function checkConfigShape(value: unknown, source: string): ExperimentConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${source}: a config must be a JSON object`);
  const obj = value as Record<string, unknown>;
  const missing = REQUIRED_KEYS.filter((k) => !(k in obj));
  if (missing.length) throw new UserError(`${source}: config lacks ${missing.join(', ')}`);
  if (obj.task !== 'detection' && obj.task !== 'segmentation') {
    throw new UserError(`${source}: task must be 'detection' or 'segmentation', got ${JSON.stringify(obj.task)}`);
  }
  // Keys added after configs were first stored: their off values.
  if (!('backboneWeights' in obj)) obj.backboneWeights = null;
  if (!('customImports' in obj)) obj.customImports = [];
  if (!('customHooks' in obj)) obj.customHooks = [];
  if (!Array.isArray(obj.customHooks) || !obj.customHooks.every((h) => typeof h === 'object' && h !== null && typeof (h as { type?: unknown }).type === 'string')) {
    throw new UserError(`${source}: customHooks must be a list of { "type": ..., options } entries`);
  }
  if (!Array.isArray(obj.customImports) || !obj.customImports.every((m) => typeof m === 'string')) {
    throw new UserError(`${source}: customImports must be a list of module paths or package names`);
  }
  return obj as unknown as ExperimentConfig;
}
