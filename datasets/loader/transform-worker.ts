/**
 * Loader worker: builds the pipeline named in workerData once, then turns each recipe it is sent
 * into a transformed sample (JPEG decoding, mask rasterisation, resize/crop/normalise), transferring
 * the pixel buffers back so the main thread only collates.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { recipeRunner, sampleBuffers, type PipelineSpec } from './run-recipe.js';
import type { SampleRecipe } from './sample-recipe.js';

const runner = recipeRunner((workerData as { pipeline: PipelineSpec }).pipeline);

parentPort!.on('message', (msg: { id: number; recipe: SampleRecipe; seed: number }) => {
  runner.run(msg.recipe, msg.seed).then(
    (sample) => parentPort!.postMessage({ id: msg.id, sample }, sample ? sampleBuffers(sample) : []),
    (err: Error) => parentPort!.postMessage({ id: msg.id, error: { name: err.name, message: err.message } }),
  );
});
