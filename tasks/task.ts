import type { ExperimentConfig } from '../configs/types.js';
import type { HostImage } from '../core/types/data.js';
import type { DetectionResult } from '../core/types/detection-result.js';
import type { TrainableModel } from '../models/types.js';
import type { Progress } from '../train/progress.js';
import type { TrainData } from '../train/runner.js';
import type { EvalPart } from './eval-part.js';
import type { ShardSpec } from './sharding/shard-spec.js';

/** What `mila test` prints and returns: named metrics plus the printed tables. */
export interface EvalReport {
  metrics: Record<string, number>;
  /** Lines to print (pycocotools summaries / the mIoU table). */
  lines: string[];
}

export interface EvalOptions {
  split: 'val' | 'test';
  /** Only the first n images (quick checks). */
  limit?: number;
  /** Write the raw results (COCO results JSON for detection). */
  out?: string | null;
  /**
   * Detection: compute instance masks even when 'segm' is not scored, because the results are written (implied by
   * `out`; a test shard writes its part without an `out` of its own).
   */
  withMasks?: boolean;
  /** Metrics to compute (default: config.evaluation.metrics). */
  metrics?: string[];
  progress?: boolean;
  /** Share the images out to worker threads (`--workers N`, N > 1), each building the model from the config and this checkpoint. */
  workers?: WorkerOptions;
  /** Only this shard's block of the images (`mila test --shard i/N`; evaluatePart). */
  shard?: ShardSpec | null;
}

/** What worker threads need to build their own copy of the model (plain data). */
export interface WorkerOptions {
  count: number;
  checkpoint: string;
  backend: string;
}

/**
 * What the CLI needs of a task (detection or segmentation): its model, its training batches, its evaluation.
 * The runner and the commands are task-agnostic; `tasks.ts` picks the implementation from `config.task`.
 */
export interface TaskRuntime<B> {
  readonly config: ExperimentConfig;
  readonly model: TrainableModel<B>;
  classNames(): Promise<string[]>;
  trainData(): Promise<TrainData<B>>;
  evaluate(opts: EvalOptions): Promise<EvalReport>;
  /** What `evaluate` scores, unscored: the predictions of all images or of `opts.shard`'s (tasks/eval-part.ts). */
  evaluatePart(opts: EvalOptions): Promise<EvalPart>;
  /** Detection only: run the test pipeline and the model on one image file (results in its pixel coordinates). */
  predictImage?(path: string): Promise<{ image: HostImage; result: DetectionResult }>;
}

export type { Progress };
