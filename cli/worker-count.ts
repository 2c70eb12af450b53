import { parseWorkerCount } from '../core/workers/worker-pool.js';
import { UserError } from '../core/errors.js';

/** `--workers <n>` of the evaluation/inference commands: a positive integer, default the number of cores. */
export function cliWorkerCount(value: string | undefined): number {
  try {
    return parseWorkerCount(value);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
}
