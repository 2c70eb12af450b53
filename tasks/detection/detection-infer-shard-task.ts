import type { ExperimentConfig } from '../../configs/types.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { modelShardTask, type ModelShardSetup } from '../shard-task.js';
import { DetectionTask } from './detection-task.js';

/** What a `mila infer --workers N` worker needs to build its own detector. */
export interface DetectionInferShardSetup extends ModelShardSetup {
  config: ExperimentConfig;
}

/**
 * The shard task of `mila infer --workers N` (tasks/shard-task.ts): each worker builds the detector and loads
 * the checkpoint once, then turns image files into detections (in the image's pixel coordinates); the main
 * thread draws them.
 */
export const createShardHandler = modelShardTask<DetectionInferShardSetup, string, DetectionResult>(async (setup) => {
  const task = await DetectionTask.create(setup.config);
  loadModelWeights(task.model, setup.checkpoint);
  task.model.eval();
  return async (path) => (await task.predictImage(path)).result;
});
