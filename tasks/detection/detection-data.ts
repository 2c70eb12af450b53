import { join } from 'node:path';
import type { DataConfig, DataSplitConfig } from '../../configs/types.js';
import { CocoInstances } from '../../datasets/coco/coco-instances.js';
import { buildDetPipeline } from '../../datasets/pipelines/build-pipeline.js';
import type { DetTransformSpec } from '../../datasets/pipelines/pipeline-spec.js';
import { detLoader } from '../../datasets/loader/data-loader.js';
import type { DetTransform } from '../../datasets/transforms/transform.js';
import type { DetBatch } from '../../core/types/data.js';
import { UserError } from '../../core/errors.js';
import { detPipelineSpecs } from '../config-pipeline.js';
import { LoaderTrainData } from '../../train/loader-train-data.js';

export interface CocoSplit {
  dataset: CocoInstances;
  specs: DetTransformSpec[];
  pipeline: DetTransform;
}

/** The COCO-format dataset of one split of a config, with its pipeline (as specs for loader workers, and built). */
export function openCocoSplit(data: DataConfig, split: 'train' | 'val' | 'test'): CocoSplit {
  const s: DataSplitConfig = data[split];
  if (data.type !== 'CocoDataset') throw new UserError(`data.type '${data.type}' is not a detection dataset (expected CocoDataset)`);
  if (!s.annFile) throw new UserError(`data.${split}.annFile is not set`);
  const dataset = new CocoInstances({
    annFile: join(data.root, s.annFile),
    imgPrefix: join(data.root, s.imgPrefix),
    testMode: split !== 'train',
    classes: data.classes ?? undefined,
  });
  const where = `data.${split}.pipeline`;
  const specs = detPipelineSpecs(s.pipeline, where);
  let pipeline: DetTransform;
  try {
    pipeline = buildDetPipeline(specs);
  } catch (err) {
    throw new UserError(`${where}: ${(err as Error).message}`);
  }
  return { dataset, specs, pipeline };
}

/**
 * Training batches of a COCO-format split through the datasets loader: order from (seed, epoch), augmentation
 * from (seed, iteration, slot), `workersPerGpu` worker threads decoding and transforming ahead.
 */
export function cocoTrainData(split: CocoSplit, data: DataConfig, seed: number): LoaderTrainData<DetBatch> {
  if (split.dataset.length === 0) throw new UserError(`${split.dataset.opts.annFile}: no training image has usable annotations`);
  return new LoaderTrainData(
    detLoader({ dataset: split.dataset, pipeline: { kind: 'det', transforms: split.specs }, batchSize: data.samplesPerGpu, shuffle: true, seed, workers: data.workersPerGpu }),
  );
}
