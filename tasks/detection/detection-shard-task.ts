import type { ExperimentConfig } from '../../configs/types.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { modelShardTask, type ModelShardSetup } from '../shard-task.js';
import { DetectionTask, type ImageCocoResults } from './detection-task.js';

/** What a `mila test --workers N` worker needs to build its own detector. */
export interface DetectionShardSetup extends ModelShardSetup {
  config: ExperimentConfig;
  split: 'val' | 'test';
  withMask: boolean;
}

/**
 * The shard task of `mila test --workers N` (tasks/shard-task.ts): each worker builds the detector from the
 * config and loads the checkpoint once, then turns image indices of the split into COCO results (boxes,
 * scores, labels, RLE masks) exactly as the in-process loop does.
 */
export const createShardHandler = modelShardTask<DetectionShardSetup, number, ImageCocoResults>(async (setup) => {
  const task = await DetectionTask.create(setup.config);
  // The main thread already reported missing/unexpected keys of this checkpoint.
  loadModelWeights(task.model, setup.checkpoint);
  return (index) => task.cocoResultsAt(setup.split, index, setup.withMask);
});
