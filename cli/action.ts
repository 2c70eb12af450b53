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

export async function setupBackend(opts: BackendOption): Promise<string> {
  return initBackend(opts.backend);
}
