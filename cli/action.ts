import { formatError } from '../core/errors.js';
import { initBackend } from '../core/backend.js';

/** Options every model-running command accepts. */
export interface BackendOption {
  backend?: string;
}

/**
 * Wrap a command's action so that any failure is one line on stderr and exit code 1, never a
 * stack trace from deep inside tfjs.
 */
export function action<A extends unknown[]>(name: string, fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      process.stderr.write(`mila ${name}: ${formatError(err)}\n`);
      if (process.env.MILA_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
      process.exitCode = 1;
    }
  };
}

/** The backend a command asked for (`auto` unless --backend / MILA_BACKEND); `training` for `mila train`. */
export async function setupBackend(opts: BackendOption, training = false): Promise<string> {
  return initBackend(opts.backend, { training });
}

/** Options of the commands that build a model from a config. */
export interface ImportOption {
  /** `--import <module>`, repeatable: modules of yours imported before the model is built. */
  import: string[];
}

/** `--import <module>` (mmdet's custom_imports from the command line): its help line and its collector. */
export const IMPORT_HELP =
  "import a module of yours first, e.g. one registering a backbone the config names (repeatable; a path from here or a package name; added to the config's customImports)";

export function collectImport(value: string, previous: string[]): string[] {
  return [...previous, value];
}
