import type { ExperimentConfig } from '../../configs/types.js';
import { initBackend } from '../../core/backend.js';
import { DetectionTask, type ImageCocoResults } from './detection-task.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { importCustomModules } from '../../train/custom-imports.js';

/** What a `mila test --workers N` worker needs to build its own detector (plain data: it crosses threads). */
export interface DetectionShardSetup {
  config: ExperimentConfig;
  checkpoint: string;
  backend: string;
  split: 'val' | 'test';
  withMask: boolean;
}

/**
 * The shard task of `mila test --workers N` (core/workers/shard-pool.ts): each worker builds the detector from
 * the config and loads the checkpoint once, then turns image indices of the split into COCO results
 * (boxes, scores, labels, RLE masks) exactly as the in-process loop does.
 */
export async function createShardHandler(setup: DetectionShardSetup): Promise<(index: number) => Promise<ImageCocoResults>> {
  await initBackend(setup.backend, { quiet: true });
  await importCustomModules(setup.config.customImports ?? []);
  const task = await DetectionTask.create(setup.config);
  // The main thread already reported missing/unexpected keys of this checkpoint.
  loadModelWeights(task.model, setup.checkpoint);
  return (index) => task.cocoResultsAt(setup.split, index, setup.withMask);
}
