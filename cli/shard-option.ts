import { Option } from 'commander';
import { UserError } from '../core/errors.js';
import type { ExperimentConfig } from '../configs/types.js';
import type { ShardCommand } from '../tasks/sharding/manifest.js';
import { ShardOutput } from '../tasks/sharding/shard-output.js';
import { shardLabel, type ShardSpec } from '../tasks/sharding/shard-spec.js';

/** The sharding options of `mila test`, `seg-test` and `infer` (their `--out-dir` is the folder all shards share). */
export interface ShardCliOptions {
  /** `--shard i/N`, or false for `--no-shard`. */
  shard?: string | false;
  /** `--shards N`, with a scheduler's index variable. */
  shards?: string;
}

/** `--shard i/N` (each command adds the three options with `.addOption`, keeping its option chain). */
export const shardOption = (): Option => new Option('--shard <i/N>', 'run shard i of N (0-based) of the images and write its part into --out-dir; `mila merge DIR` combines the parts');
/** `--shards N`. */
export const shardsOption = (): Option =>
  new Option('--shards <n>', 'the number of shards when the index comes from the scheduler: JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID');
/** `--no-shard`. */
export const noShardOption = (): Option => new Option('--no-shard', 'ignore the scheduler variables (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_*) and run every image');

type Env = Readonly<Record<string, string | undefined>>;

function nonNegativeInt(value: string, what: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new UserError(`${what} must be a non-negative integer, got '${value}'`);
  return n;
}

function shardCount(value: string, what: string): number {
  const n = nonNegativeInt(value, what);
  if (n < 1) throw new UserError(`${what} must be at least 1, got '${value}'`);
  return n;
}

function checked(index: number, count: number, source: string, hint: string): ShardSpec {
  if (index >= count) throw new UserError(`${source}: shard index ${index} is outside 0..${count - 1}${hint}`);
  return { index, count, source };
}

/** `--shard i/N`. */
export function parseShardFlag(value: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UserError(`--shard must be i/N with 0 <= i < N (e.g. 0/4), got '${value}'`);
  const count = shardCount(m[2]!, '--shard N');
  return checked(Number(m[1]), count, `--shard ${value.trim()}`, ' (shards are numbered from 0)');
}

/**
 * Which shard this process runs, or null for an unsharded run. The rules (README "Beyond one machine"):
 * - `--no-shard`: none, whatever the environment says.
 * - `--shard i/N`: that shard; scheduler variables are then ignored (a shard rerun by hand inside an allocation).
 * - `--shards N` + `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job, completions = N): shard JOB_COMPLETION_INDEX.
 * - `--shards N` + `SLURM_ARRAY_TASK_ID`: shard SLURM_ARRAY_TASK_ID, so array ids are shard indices
 *   (`--array=0-(N-1)`; resubmitting `--array=2` reruns shard 2 only).
 * - `SLURM_ARRAY_TASK_ID` alone: N = SLURM_ARRAY_TASK_COUNT and the shard is the task's place in the array,
 *   (ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP, so `--array=1-4` gives shards 0..3 of 4.
 * - `JOB_COMPLETION_INDEX` alone, both schedulers' variables, `--shards` with no index, or `--shards` beside
 *   `--shard`: a one-line error (each is ambiguous, and guessing would run the wrong images).
 */
export function resolveShard(opts: ShardCliOptions, env: Env = process.env): ShardSpec | null {
  if (opts.shard === false) {
    if (opts.shards !== undefined) throw new UserError('--shards and --no-shard contradict each other');
    return null;
  }
  if (opts.shard !== undefined) {
    if (opts.shards !== undefined) throw new UserError('--shard i/N already gives the number of shards: drop --shards (it goes with a scheduler index variable)');
    return parseShardFlag(opts.shard);
  }
  const k8s = env.JOB_COMPLETION_INDEX;
  const slurm = env.SLURM_ARRAY_TASK_ID;
  if (k8s !== undefined && slurm !== undefined) {
    throw new UserError(`both JOB_COMPLETION_INDEX=${k8s} and SLURM_ARRAY_TASK_ID=${slurm} are set: pass --shard i/N to choose, or --no-shard`);
  }
  const count = opts.shards === undefined ? undefined : shardCount(opts.shards, '--shards');
  if (k8s !== undefined) {
    if (count === undefined) {
      throw new UserError(`JOB_COMPLETION_INDEX=${k8s} is set (a Kubernetes Indexed Job): add --shards N (the Job's completions) to run shard ${k8s} of N, or --no-shard to run every image`);
    }
    return checked(nonNegativeInt(k8s, 'JOB_COMPLETION_INDEX'), count, `JOB_COMPLETION_INDEX=${k8s}`, ` for --shards ${count} (the Job's completions must equal --shards)`);
  }
  if (slurm !== undefined) {
    const id = nonNegativeInt(slurm, 'SLURM_ARRAY_TASK_ID');
    if (count !== undefined) return checked(id, count, `SLURM_ARRAY_TASK_ID=${slurm}`, ` for --shards ${count} (with --shards, array ids are shard indices: --array=0-${count - 1})`);
    const total = env.SLURM_ARRAY_TASK_COUNT;
    if (total === undefined) throw new UserError(`SLURM_ARRAY_TASK_ID=${slurm} is set but SLURM_ARRAY_TASK_COUNT is not: pass --shards N`);
    const n = shardCount(total, 'SLURM_ARRAY_TASK_COUNT');
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : nonNegativeInt(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN');
    const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : shardCount(env.SLURM_ARRAY_TASK_STEP, 'SLURM_ARRAY_TASK_STEP');
    const where = `SLURM_ARRAY_TASK_ID=${slurm} (SLURM_ARRAY_TASK_MIN=${min}, STEP=${step}, COUNT=${n})`;
    const offset = id - min;
    if (offset < 0 || offset % step !== 0) throw new UserError(`${where}: not a regular array (--array=a-b[:step]); pass --shards N and use ids 0..N-1`);
    return checked(offset / step, n, where, ' (an array that is not a regular range: pass --shards N and use ids 0..N-1)');
  }
  if (count !== undefined) throw new UserError('--shards N needs the shard index from the scheduler (JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID), and neither is set; use --shard i/N by hand');
  return null;
}

/**
 * The shard's output folder, prepared (tasks/sharding/shard-output.ts), with a first log line saying which shard
 * this process is; `--out-dir` is required for a shard.
 */
export function openShardOutput(shard: ShardSpec, outDir: string | undefined, command: ShardCommand, cfg: ExperimentConfig, checkpoint: string): ShardOutput {
  if (!outDir) throw new UserError(`shard ${shardLabel(shard)} (from ${shard.source}) needs --out-dir DIR, the folder all shards write into (or --no-shard to run every image)`);
  const output = ShardOutput.open(outDir, shard, command, cfg, checkpoint);
  process.stderr.write(`mila ${command}: shard ${shardLabel(shard)} (from ${shard.source}) of ${cfg.name}, writing into ${outDir}\n`);
  return output;
}
