import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { checkConfigShape, configNames, getConfig } from './index.js';
import type { ExperimentConfig } from './types.js';

/** Node's view of the configs: the presets (configs/index.ts, file-free for the browser entry) plus config files. */
export * from './index.js';

/**
 * A config named on the command line: a registered preset name, or a path to a JSON file holding a whole
 * config (as `mila train` writes into its work dir).
 */
export function resolveConfig(nameOrPath: string): ExperimentConfig {
  if (configNames().includes(nameOrPath) || !nameOrPath.endsWith('.json')) return getConfig(nameOrPath);
  if (!existsSync(nameOrPath)) throw new UserError(`${nameOrPath}: config file not found`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(nameOrPath, 'utf8'));
  } catch (err) {
    throw new UserError(`${nameOrPath}: not valid JSON (${(err as Error).message})`);
  }
  return checkConfigShape(parsed, nameOrPath);
}
