/**
 * One shard of a sharded `mila test` / `seg-test` / `infer` run: shard `index` of `count` (0-based) takes a fixed
 * contiguous block of the split's images by position, so the shards are disjoint, cover the split, and their
 * outputs concatenated in shard order are in the order one run produces them.
 */
export interface ShardSpec {
  index: number;
  count: number;
  /** Where the index came from: `--shard`, `JOB_COMPLETION_INDEX` or `SLURM_ARRAY_TASK_ID` (for messages). */
  source: string;
}

/** Positions [start, end) of shard `index` of `count` over `total` images: sizes differ by at most one. */
export function shardRange(total: number, spec: Pick<ShardSpec, 'index' | 'count'>): { start: number; end: number } {
  return { start: Math.floor((spec.index * total) / spec.count), end: Math.floor(((spec.index + 1) * total) / spec.count) };
}

/** `1/3`: how shards are named to users. */
export function shardLabel(spec: Pick<ShardSpec, 'index' | 'count'>): string {
  return `${spec.index}/${spec.count}`;
}

/** `shard-1-of-3`: the stem of every file a shard writes into the shared folder (so a rerun replaces only its own). */
export function shardStem(spec: Pick<ShardSpec, 'index' | 'count'>): string {
  return `shard-${spec.index}-of-${spec.count}`;
}

export const MANIFEST_SUFFIX = '.manifest.json';
