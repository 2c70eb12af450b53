import type { ExperimentConfig } from '../configs/types.js';
import { UserError } from '../core/errors.js';
import { importCustomModules } from '../train/custom-imports.js';
import type { TaskRuntime } from './task.js';

/**
 * The task implementation for a config: Mask R-CNN on a COCO-format dataset, or an encoder-decoder segmentor on
 * an ADE20K-format one. Loaded lazily so a detection run never loads the segmentation code and vice versa.
 * The config's custom imports are imported first, so the components they register can be built.
 */
export async function createTask(cfg: ExperimentConfig): Promise<TaskRuntime<unknown>> {
  await importCustomModules(cfg.customImports ?? []);
  switch (cfg.task) {
    case 'detection': {
      const { DetectionTask } = await import('./detection/detection-task.js');
      return (await DetectionTask.create(cfg)) as TaskRuntime<unknown>;
    }
    case 'segmentation': {
      const { SegmentationTask } = await import('./segmentation/segmentation-task.js');
      return (await SegmentationTask.create(cfg)) as TaskRuntime<unknown>;
    }
    default:
      throw new UserError(`${cfg.name}: unknown task '${String((cfg as { task: unknown }).task)}' (expected detection or segmentation)`);
  }
}
