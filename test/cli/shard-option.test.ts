/**
 * Which shard a process runs: `--shard i/N`, or the scheduler's variables (Kubernetes Indexed Job, Slurm array),
 * and the conflicts that are one-line errors rather than guesses.
 */
import { describe, expect, it } from 'vitest';
import { parseShardFlag, resolveShard } from '../../cli/shard-option.js';
import { UserError } from '../../core/errors.js';
import { shardRange } from '../../tasks/sharding/shard-spec.js';

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    return msg;
  }
  throw new Error('expected a UserError');
}

describe('resolveShard', () => {
  it('no flag and no scheduler variable: an unsharded run', () => {
    expect(resolveShard({}, {})).toBeNull();
  });

  it('--shard i/N, 0-based', () => {
    expect(resolveShard({ shard: '2/3' }, {})).toEqual({ index: 2, count: 3, source: '--shard 2/3' });
    expect(parseShardFlag(' 0 / 1 ')).toMatchObject({ index: 0, count: 1 });
    expect(refused(() => parseShardFlag('3/3'))).toBe('--shard 3/3: shard index 3 is outside 0..2 (shards are numbered from 0)');
    for (const bad of ['1', '-1/3', '1/0', 'a/b', '1.5/3', '1/3/4']) expect(refused(() => parseShardFlag(bad))).toMatch(/^--shard/);
  });

  it('Kubernetes: JOB_COMPLETION_INDEX with --shards N', () => {
    expect(resolveShard({ shards: '4' }, { JOB_COMPLETION_INDEX: '3' })).toEqual({ index: 3, count: 4, source: 'JOB_COMPLETION_INDEX=3' });
    expect(refused(() => resolveShard({ shards: '4' }, { JOB_COMPLETION_INDEX: '4' }))).toContain('outside 0..3 for --shards 4');
    expect(refused(() => resolveShard({}, { JOB_COMPLETION_INDEX: '1' }))).toContain('add --shards N');
    expect(refused(() => resolveShard({ shards: '4' }, { JOB_COMPLETION_INDEX: 'x' }))).toBe("JOB_COMPLETION_INDEX must be a non-negative integer, got 'x'");
    expect(refused(() => resolveShard({ shards: '0' }, { JOB_COMPLETION_INDEX: '0' }))).toBe("--shards must be at least 1, got '0'");
  });

  it('Slurm: SLURM_ARRAY_TASK_COUNT gives N, the shard is the task place in the array', () => {
    const array = (id: number, min: number, count: number, step = 1) => ({
      SLURM_ARRAY_TASK_ID: String(id),
      SLURM_ARRAY_TASK_MIN: String(min),
      SLURM_ARRAY_TASK_MAX: String(min + (count - 1) * step),
      SLURM_ARRAY_TASK_COUNT: String(count),
      SLURM_ARRAY_TASK_STEP: String(step),
    });
    // --array=0-3
    expect([0, 1, 2, 3].map((id) => resolveShard({}, array(id, 0, 4))!.index)).toEqual([0, 1, 2, 3]);
    // --array=1-4: ids 1..4 are shards 0..3 of 4
    expect([1, 2, 3, 4].map((id) => resolveShard({}, array(id, 1, 4)))).toEqual([0, 1, 2, 3].map((i) => expect.objectContaining({ index: i, count: 4 })));
    // --array=10-16:2 (ids 10, 12, 14, 16)
    expect([10, 12, 14, 16].map((id) => resolveShard({}, array(id, 10, 4, 2))!.index)).toEqual([0, 1, 2, 3]);
    // an irregular list (--array=1,2,7: COUNT 3) cannot be mapped onto shards
    expect(refused(() => resolveShard({}, { ...array(7, 1, 3), SLURM_ARRAY_TASK_MAX: '7' }))).toContain('pass --shards N');
    expect(refused(() => resolveShard({}, { SLURM_ARRAY_TASK_ID: '2' }))).toContain('SLURM_ARRAY_TASK_COUNT is not');
  });

  it('Slurm with --shards N: array ids are shard indices, so a resubmitted --array=2 reruns shard 2', () => {
    const rerun = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '1' };
    expect(resolveShard({}, rerun)).toMatchObject({ index: 0, count: 1 });
    expect(resolveShard({ shards: '4' }, rerun)).toMatchObject({ index: 2, count: 4, source: 'SLURM_ARRAY_TASK_ID=2' });
    expect(refused(() => resolveShard({ shards: '4' }, { ...rerun, SLURM_ARRAY_TASK_ID: '4' }))).toContain('--array=0-3');
  });

  it('conflicts: --shard wins over the environment, --no-shard ignores it, the rest are errors', () => {
    const k8s = { JOB_COMPLETION_INDEX: '1' };
    const slurm = { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' };
    expect(resolveShard({ shard: '0/2' }, { ...k8s })).toMatchObject({ index: 0, count: 2, source: '--shard 0/2' });
    expect(resolveShard({ shard: false }, { ...k8s, ...slurm })).toBeNull();
    expect(refused(() => resolveShard({}, { ...k8s, ...slurm }))).toBe('both JOB_COMPLETION_INDEX=1 and SLURM_ARRAY_TASK_ID=0 are set: pass --shard i/N to choose, or --no-shard');
    expect(refused(() => resolveShard({ shard: '0/2', shards: '2' }, {}))).toContain('drop --shards');
    expect(refused(() => resolveShard({ shard: false, shards: '2' }, {}))).toContain('contradict');
    expect(refused(() => resolveShard({ shards: '2' }, {}))).toContain('neither is set');
  });
});

describe('shardRange', () => {
  it('splits by position into contiguous blocks whose sizes differ by at most one, covering every image once', () => {
    expect([0, 1, 2].map((index) => shardRange(5, { index, count: 3 }))).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 3 },
      { start: 3, end: 5 },
    ]);
    // More shards than images: some shards are empty, none overlap.
    expect([0, 1, 2, 3].map((index) => shardRange(2, { index, count: 4 }))).toEqual([
      { start: 0, end: 0 },
      { start: 0, end: 1 },
      { start: 1, end: 1 },
      { start: 1, end: 2 },
    ]);
    // 2,000 ADE20K val images over 7 shards
    const blocks = Array.from({ length: 7 }, (_, index) => shardRange(2000, { index, count: 7 }));
    expect(blocks.map((b) => b.end - b.start)).toEqual([285, 286, 286, 285, 286, 286, 286]);
    expect(blocks.every((b, i) => b.start === (i === 0 ? 0 : blocks[i - 1]!.end))).toBe(true);
    expect(blocks.at(-1)!.end).toBe(2000);
  });
});
