/**
 * The typed shape of an experiment config: the TypeScript counterpart of an mmdet/mmseg config file
 * (model, data, optimizer, lr_config, runner, evaluation). Configs are plain data (no functions, no
 * class instances, `null` for an option that is off) so that they can be printed, stored in a checkpoint
 * sidecar, read back from JSON, and overridden key by key with `--set a.b.c=value`.
 *
 * Names follow mmcv's, in camelCase: `samplesPerGpu` is `samples_per_gpu`, `lrConfig` is `lr_config`.
 */

/** Any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type Task = 'detection' | 'segmentation';

/**
 * One step of a data pipeline, mmdet/mmseg style: `{ type: 'Resize', imgScale: [[1333, 800]], keepRatio: true }`.
 * Options are the mmdet/mmseg keyword arguments in camelCase; the datasets code interprets them.
 */
export interface TransformStep {
  type: string;
  [option: string]: JsonValue;
}

/** One split of a dataset (mmdet's `data.train` / `data.val` / `data.test`). Paths are relative to `DataConfig.root`. */
export interface DataSplitConfig {
  /** COCO annotation file (detection); null for formats without one (ADE20K). */
  annFile: string | null;
  /** Image folder. */
  imgPrefix: string;
  /** Label-map folder (segmentation); null for detection. */
  segPrefix: string | null;
  pipeline: TransformStep[];
}

export interface DataConfig {
  /** Dataset class: 'CocoDataset' | 'ADE20KDataset' (the datasets code names the ones it knows). */
  type: string;
  /** data_root: the folder the split paths are relative to. */
  root: string;
  /** Class names, or null to take them from the dataset (COCO categories / ADE20K's 150). */
  classes: string[] | null;
  /** Images per batch (one device). */
  samplesPerGpu: number;
  /** Background loader workers (prefetch depth on this single-process runtime). */
  workersPerGpu: number;
  train: DataSplitConfig;
  val: DataSplitConfig;
  test: DataSplitConfig;
}

/** mmcv paramwise_cfg.custom_keys entry: multipliers for every parameter whose full name contains the key. */
export interface ParamwiseRule {
  lrMult?: number;
  decayMult?: number;
}

/**
 * mmcv's `paramwise_cfg`. Custom keys are matched as substrings of the dotted parameter name, longest key
 * first (ties alphabetical), and the first match wins over the generic norm/bias rules, as in mmcv's
 * DefaultOptimizerConstructor.
 */
export interface ParamwiseConfig {
  customKeys: Record<string, ParamwiseRule>;
  /** Weight-decay multiplier for parameters of normalisation layers (mmcv `norm_decay_mult`); 1 when absent. */
  normDecayMult: number;
  /** Weight-decay multiplier for `bias` parameters of other layers (mmcv `bias_decay_mult`); 1 when absent. */
  biasDecayMult: number;
}

export interface GradClipConfig {
  /** Clip the global L2 norm of all gradients to this value (torch.nn.utils.clip_grad_norm_). */
  maxNorm: number;
}

export interface OptimizerConfig {
  type: 'AdamW';
  lr: number;
  betas: [number, number];
  /** 1e-8 as PyTorch's default. */
  eps: number;
  weightDecay: number;
  paramwise: ParamwiseConfig;
  /** mmdet's optimizer_config.grad_clip; null for none. */
  gradClip: GradClipConfig | null;
}

/** mmcv warm-up: 'linear' gives lr * (1 - (1 - i/iters) * (1 - ratio)); 'constant' gives lr * ratio. Always by iteration. */
export interface WarmupConfig {
  type: 'linear' | 'constant' | 'exp';
  iters: number;
  ratio: number;
}

/** mmcv StepLrUpdaterHook: lr = base * gamma^(number of steps passed); steps in epochs when byEpoch. */
export interface StepLrConfig {
  policy: 'step';
  step: number[];
  gamma: number;
  byEpoch: boolean;
  minLr: number | null;
  warmup: WarmupConfig | null;
}

/** mmcv PolyLrUpdaterHook: lr = (base - minLr) * (1 - progress/max)^power + minLr. */
export interface PolyLrConfig {
  policy: 'poly';
  power: number;
  minLr: number;
  byEpoch: boolean;
  warmup: WarmupConfig | null;
}

export type LrConfig = StepLrConfig | PolyLrConfig;

/**
 * mmcv's EpochBasedRunner / IterBasedRunner. `max` is max_epochs or max_iters; `evalInterval` and
 * `checkpointInterval` count in the runner's unit (epochs or iterations; 0 turns them off);
 * `logInterval` always counts iterations.
 */
export interface RunnerConfig {
  type: 'epoch' | 'iter';
  max: number;
  evalInterval: number;
  checkpointInterval: number;
  logInterval: number;
}

export interface EvaluationConfig {
  /** 'bbox' and 'segm' for detection; 'mIoU' for segmentation. */
  metrics: string[];
}

/**
 * An experiment: what `mila train|test|infer` run. `Model` is the task's model config, typed by the model
 * files (`models/detector/mask-rcnn-config.ts`, `models/segmentor/encoder-decoder.ts`); it must be plain data like the rest.
 */
export interface ExperimentConfig<Model extends object = object> {
  name: string;
  task: Task;
  model: Model;
  data: DataConfig;
  optimizer: OptimizerConfig;
  lrConfig: LrConfig;
  runner: RunnerConfig;
  evaluation: EvaluationConfig;
  seed: number;
  /** An ImageNet checkpoint loaded into `backbone.` before training (mmdet's init_cfg Pretrained); null for none. */
  backboneWeights: string | null;
  /**
   * Modules to import before anything is built (mmdet's `custom_imports`): yours, registering components
   * (core/registry.ts) that the config then names by `type`. Paths relative to the config file (or, for a
   * preset and `--set`, to the working directory) or package names; stored resolved to absolute paths.
   */
  customImports: string[];
  /**
   * Hooks to add to the runner (mmcv's `custom_hooks`), each `{ type, priority?, ...options }` with a `type`
   * registered by `registerHook` (train/hooks/registry.ts): built in, `ScalarLoggerHook`; yours from `customImports`.
   */
  customHooks: HookConfig[];
}

/** One `customHooks` entry: a registered hook type, an optional mmcv priority (name or number), its options. */
export interface HookConfig {
  type: string;
  priority?: number | string;
  [option: string]: JsonValue | undefined;
}

/**
 * The official MLLA paramwise rules (LeapLabTHU/MLLA downstream/detection/configs/mlla): no weight decay on position
 * embeddings, position-bias tables, norms, and the agent-attention bias tables.
 */
export const MLLA_DETECTION_PARAMWISE: ParamwiseConfig = {
  customKeys: {
    absolute_pos_embed: { decayMult: 0 },
    relative_position_bias_table: { decayMult: 0 },
    norm: { decayMult: 0 },
    an_bias: { decayMult: 0 },
    na_bias: { decayMult: 0 },
    ah_bias: { decayMult: 0 },
    aw_bias: { decayMult: 0 },
    ha_bias: { decayMult: 0 },
    wa_bias: { decayMult: 0 },
  },
  normDecayMult: 1,
  biasDecayMult: 1,
};

/** The official MLLA UperNet rules (mlla_b_upernet.py). */
export const MLLA_SEGMENTATION_PARAMWISE: ParamwiseConfig = {
  customKeys: {
    absolute_pos_embed: { decayMult: 0 },
    relative_position_bias_table: { decayMult: 0 },
    norm: { decayMult: 0 },
  },
  normDecayMult: 1,
  biasDecayMult: 1,
};

/** mmdet's schedule_1x with the MLLA warm-up: linear 500 iterations from 0.001, x0.1 at epochs 8 and 11. */
export function stepSchedule(steps: number[]): StepLrConfig {
  return { policy: 'step', step: steps, gamma: 0.1, byEpoch: true, minLr: null, warmup: { type: 'linear', iters: 500, ratio: 0.001 } };
}

/** The MLLA UperNet schedule: poly power 1 to 0 by iteration, linear warm-up 1500 iterations from 1e-6. */
export function polySchedule(): PolyLrConfig {
  return { policy: 'poly', power: 1.0, minLr: 0.0, byEpoch: false, warmup: { type: 'linear', iters: 1500, ratio: 1e-6 } };
}
