import { Progress } from '../../train/progress.js';
import { shardLabel, type ShardSpec } from './shard-spec.js';

/** Seconds between plain progress lines of a shard whose stderr is a log, not a terminal (a pod's or an array task's). */
export const SHARD_PROGRESS_SECONDS = 30;

/**
 * The progress bar of `test` / `seg-test` / `infer`; a shard's is labelled with its i/N and, where no bar can be
 * drawn (a cluster job's log), writes a line every SHARD_PROGRESS_SECONDS and at the end.
 */
export function imagesProgress(command: string, total: number, enabled: boolean, shard?: ShardSpec | null): Progress {
  if (!shard) return new Progress(command, total, { enabled, unit: 'images' });
  return new Progress(`${command} [shard ${shardLabel(shard)}]`, total, { enabled, unit: 'images', lineEverySeconds: SHARD_PROGRESS_SECONDS });
}
