import { Rng } from '../../core/rng.js';
import { buildDetPipeline, buildSegPipeline } from '../pipelines/build-pipeline.js';
import type { DetTransformSpec, SegTransformSpec } from '../pipelines/pipeline-spec.js';
import type { DetTransform, SegTransform } from '../transforms/transform.js';
import type { DetSample, SegSample } from '../../core/types/data.js';
import { loadDetRecipe, loadSegRecipe, type SampleRecipe } from './sample-recipe.js';

export type PipelineSpec = { kind: 'det'; transforms: DetTransformSpec[] } | { kind: 'seg'; transforms: SegTransformSpec[] };

export type Sample = DetSample | SegSample;

/** A built pipeline that turns a recipe into a transformed sample (null: the pipeline dropped it). */
export interface RecipeRunner {
  run(recipe: SampleRecipe, seed: number): Promise<Sample | null>;
}

export function recipeRunner(spec: PipelineSpec): RecipeRunner {
  if (spec.kind === 'det') {
    const t: DetTransform = buildDetPipeline(spec.transforms);
    return {
      async run(recipe, seed) {
        if (recipe.kind !== 'det') throw new Error('a detection pipeline got a segmentation sample');
        return t.apply(await loadDetRecipe(recipe), new Rng(seed));
      },
    };
  }
  const t: SegTransform = buildSegPipeline(spec.transforms);
  return {
    async run(recipe, seed) {
      if (recipe.kind !== 'seg') throw new Error('a segmentation pipeline got a detection sample');
      return t.apply(await loadSegRecipe(recipe), new Rng(seed));
    },
  };
}

/** The ArrayBuffers of a sample, to transfer (not copy) between threads. */
export function sampleBuffers(s: Sample): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: { buffer: ArrayBufferLike } | null | undefined): void => {
    if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  add(s.img.data);
  if ('gtBoxes' in s) {
    add(s.gtBoxes);
    add(s.gtLabels);
    add(s.gtBoxesIgnore);
    add(s.gtMasks?.data);
  } else {
    add(s.gtSemanticSeg);
  }
  return [...out];
}
