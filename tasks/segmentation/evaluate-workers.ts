import { mapInShardTask } from '../shard-task.js';
import type { SegSplitItem } from '../../datasets/ade20k/ade20k-split.js';
import { SegPredictionScorer, type SegEvaluateOptions, type SegEvaluateResult } from './evaluate.js';
import type { SegShardPrediction, SegShardSetup } from './shard-task.js';

/**
 * `seg-test --workers N` (N > 1): the images are shared out to N worker threads, each with its own backend
 * and model (tasks/segmentation/shard-task.ts); label maps come back in image order and are scored here
 * one at a time, exactly as the in-process loop scores them. The pool hands out only a few images
 * ahead of the one being scored, so memory stays flat.
 */
export async function evaluateSegmentorInWorkers(
  items: readonly SegSplitItem[],
  setup: SegShardSetup,
  workers: number,
  opts: SegEvaluateOptions,
): Promise<SegEvaluateResult> {
  const scorer = new SegPredictionScorer(items.length, opts);
  let i = 0;
  for await (const p of mapInShardTask<SegShardSetup, string, SegShardPrediction>('tasks/segmentation/shard-task.js', setup, items.map((it) => it.image), workers)) {
    await scorer.add(items[i++]!, p.pred, p.height, p.width);
  }
  return scorer.result();
}
