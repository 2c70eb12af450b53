/**
 * The loader's shard task (core/workers/worker-pool.ts): each worker builds the pipeline once, then turns
 * each recipe it is sent into a transformed sample (JPEG decoding, mask rasterisation, resize/crop/normalise),
 * transferring the pixel buffers back so the main thread only collates.
 */
import { recipeRunner, sampleBuffers, type PipelineSpec, type Sample } from './run-recipe.js';
import type { SampleRecipe } from './sample-recipe.js';

export interface TransformSetup {
  pipeline: PipelineSpec;
}

export interface TransformItem {
  recipe: SampleRecipe;
  seed: number;
}

export async function createShardHandler(setup: TransformSetup): Promise<(item: TransformItem) => Promise<Sample | null>> {
  const runner = recipeRunner(setup.pipeline);
  return (item) => runner.run(item.recipe, item.seed);
}

export function transferables(sample: Sample | null): ArrayBuffer[] {
  return sample ? sampleBuffers(sample) : [];
}
