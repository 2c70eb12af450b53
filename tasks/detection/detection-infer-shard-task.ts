import type { ExperimentConfig } from '../../configs/types.js';
import { initBackend } from '../../core/backend.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { DetectionTask } from './detection-task.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { importCustomModules } from '../../train/custom-imports.js';

/** What a `mila infer --workers N` worker needs to build its own detector (plain data: it crosses threads). */
export interface DetectionInferShardSetup {
  config: ExperimentConfig;
  checkpoint: string;
  backend: string;
}

/**
 * The shard task of `mila infer --workers N` (core/workers/shard-pool.ts): each worker builds the detector and
 * loads the checkpoint once, then turns image files into detections (in the image's pixel coordinates);
 * the main thread draws them.
 */
export async function createShardHandler(setup: DetectionInferShardSetup): Promise<(path: string) => Promise<DetectionResult>> {
  await initBackend(setup.backend, { quiet: true });
  await importCustomModules(setup.config.customImports ?? []);
  const task = await DetectionTask.create(setup.config);
  loadModelWeights(task.model, setup.checkpoint);
  task.model.eval();
  return async (path) => (await task.predictImage(path)).result;
}
