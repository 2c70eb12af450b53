import type { JsonValue } from '../../configs/types.js';
import type { EvalOptions, TaskRuntime } from '../task.js';
import type { ShardResult } from './manifest.js';
import type { ShardOutput } from './shard-output.js';

/**
 * `mila test --shard`: evaluate this shard's block of the split without scoring it, and write the part. Detection
 * writes `<stem>.bbox.json` (and `.segm.json` with masks), COCO results lists as `mila test --out` writes them;
 * segmentation keeps its per-class pixel counts in the manifest. Returns the line to print.
 */
export async function runTestShard(task: TaskRuntime<unknown>, output: ShardOutput, opts: EvalOptions & { backend: string }): Promise<string> {
  // The shard's results files stand in for --out: masks are computed, as for `mila test --out`.
  const part = await task.evaluatePart({ ...opts, shard: output.spec, withMasks: true });
  let result: ShardResult;
  let images: number;
  const run: Record<string, JsonValue> = { split: opts.split, limit: opts.limit ?? null, backend: opts.backend };
  if (part.kind === 'coco') {
    output.writeJson('bbox', part.bbox);
    if (part.withMask) output.writeJson('segm', part.segm);
    result = { kind: 'coco', annFile: part.annFile, metrics: part.metrics, withMask: part.withMask, imageIds: part.imageIds };
    run.metrics = part.metrics;
    images = part.imageIds.length;
  } else {
    result = { kind: 'miou', classNames: part.classNames, names: part.names, totals: part.totals };
    images = part.names.length;
  }
  output.finish({ run, range: part.range, result });
  return output.doneLine(images, part.range);
}
