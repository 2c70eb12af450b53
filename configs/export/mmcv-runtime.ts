/**
 * The parts of an exported config that mmdet 2.x and mmseg 0.x share (both run on mmcv 1.x): data pipelines,
 * the optimizer with its paramwise rules, the lr schedule, the runner and its hooks, and the MLLA backbone dict.
 * Keys follow the official MLLA configs; an option those configs leave at the library default is written only
 * when ours differs from that default, so exported presets read like the official files.
 */
import type { GradClipConfig, JsonValue, LrConfig, OptimizerConfig, RunnerConfig, TransformStep, WarmupConfig } from '../types.js';
import type { MilaConfig } from '../../backbones/mila/config.js';
import { MILA_DEFAULTS } from '../../backbones/mila/config.js';
import { PyConfigRelativePath, pyDict, pyDictLiteral, pyFloat, pyList, pyTuple, type PyAssignment, type PyExpr } from './python-literal.js';
import { UserError } from '../../core/errors.js';

/** camelCase → mmcv's snake_case (`imgScale` → `img_scale`). */
export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Pipeline options mmdet/mmseg expect as tuples: a pair becomes `(a, b)`, a list of pairs `[(a, b), ...]`. */
const TUPLE_OPTIONS = new Set(['img_scale', 'crop_size', 'ratio_range', 'size', 'contrast_range', 'saturation_range']);
/** Pipeline options that are floats in mmdet/mmseg (written `2.0`, not `2`). */
const FLOAT_OPTIONS = new Set(['flip_ratio', 'prob', 'ratio_range', 'cat_max_ratio', 'mean', 'std', 'contrast_range', 'saturation_range', 'img_ratios']);

function pipelineValue(v: JsonValue, key: string, where: string): PyExpr {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return FLOAT_OPTIONS.has(key) ? pyFloat(v) : v;
  if (Array.isArray(v)) {
    if (TUPLE_OPTIONS.has(key)) {
      if (v.every((x) => typeof x === 'number')) return pyTuple(v.map((x) => pipelineValue(x, key, where)));
      return pyList(v.map((x) => (Array.isArray(x) ? pyTuple(x.map((y) => pipelineValue(y, key, where))) : pipelineValue(x, key, where))));
    }
    return pyList(v.map((x) => pipelineValue(x, key, where)));
  }
  if (typeof v.type === 'string') return pipelineStep(v as TransformStep, where);
  throw new UserError(`${where}: option ${key} holds an object without a transform type`);
}

/** One pipeline step: `{ type: 'Resize', imgScale: [[1333, 800]], keepRatio: true }` → `dict(type='Resize', img_scale=[(1333, 800)], keep_ratio=True)`. */
export function pipelineStep(step: TransformStep, where: string): PyExpr {
  const entries: [string, PyExpr][] = [];
  for (const [k, v] of Object.entries(step)) {
    const key = snakeCase(k);
    entries.push([key, pipelineValue(v, key, `${where} ${step.type}`)]);
  }
  return pyDict(Object.fromEntries(entries));
}

export function pipeline(steps: readonly TransformStep[], where: string): PyExpr {
  return pyList(steps.map((s, i) => pipelineStep(s, `${where}[${i}]`)));
}

/** The MLLA backbone kwargs as the official configs write them (`type='MLLA'`, the official constructor's names). */
export function mllaBackbone(b: Partial<MilaConfig>, initCheckpoint: PyExpr): PyExpr {
  const c = { ...MILA_DEFAULTS, ...b } as MilaConfig;
  return pyDict({
    type: 'MLLA',
    img_size: c.imgSize,
    patch_size: c.patchSize,
    in_chans: c.inChans,
    embed_dim: c.embedDim,
    depths: pyList(c.depths),
    num_heads: pyList(c.numHeads),
    mlp_ratio: c.mlpRatio,
    out_indices: pyTuple(c.outIndices),
    qkv_bias: c.qkvBias,
    drop_rate: pyFloat(c.dropRate),
    drop_path_rate: pyFloat(c.dropPathRate),
    use_checkpoint: c.useCheckpoint === true,
    // The official MLLA.init_weights() requires a checkpoint (it asserts 'checkpoint' in init_cfg).
    init_cfg: pyDict({ type: 'Pretrained', checkpoint: initCheckpoint }),
  });
}

export function optimizer(o: OptimizerConfig): PyExpr {
  if (o.type !== 'AdamW') throw new UserError(`optimizer.type '${o.type}' has no export (AdamW only)`);
  const rules = Object.entries(o.paramwise.customKeys).map(([key, r]): [string, PyExpr] => [
    key,
    pyDict({ lr_mult: r.lrMult === undefined ? undefined : pyFloat(r.lrMult), decay_mult: r.decayMult === undefined ? undefined : pyFloat(r.decayMult) }),
  ]);
  return pyDict({
    type: 'AdamW',
    lr: pyFloat(o.lr),
    betas: pyTuple(o.betas.map(pyFloat)),
    eps: o.eps === 1e-8 ? undefined : pyFloat(o.eps),
    weight_decay: pyFloat(o.weightDecay),
    paramwise_cfg: pyDict({
      custom_keys: pyDictLiteral(Object.fromEntries(rules)),
      norm_decay_mult: o.paramwise.normDecayMult === 1 ? undefined : pyFloat(o.paramwise.normDecayMult),
      bias_decay_mult: o.paramwise.biasDecayMult === 1 ? undefined : pyFloat(o.paramwise.biasDecayMult),
    }),
  });
}

/** mmcv's OptimizerHook options: our gradient clipping is the global L2 norm (clip_grad_norm_ with norm_type 2). */
export function optimizerConfig(clip: GradClipConfig | null): PyExpr {
  return pyDict({ grad_clip: clip ? pyDict({ max_norm: clip.maxNorm, norm_type: 2 }) : null });
}

function warmup(w: WarmupConfig | null): Record<string, PyExpr> {
  if (!w) return { warmup: null };
  return { warmup: w.type, warmup_iters: w.iters, warmup_ratio: pyFloat(w.ratio) };
}

export function lrConfig(lr: LrConfig): PyExpr {
  if (lr.policy === 'step') {
    return pyDict({
      policy: 'step',
      ...warmup(lr.warmup),
      step: pyList(lr.step),
      gamma: lr.gamma === 0.1 ? undefined : pyFloat(lr.gamma),
      min_lr: lr.minLr === null ? undefined : pyFloat(lr.minLr),
      by_epoch: lr.byEpoch ? undefined : false,
    });
  }
  return pyDict({ policy: 'poly', ...warmup(lr.warmup), power: pyFloat(lr.power), min_lr: pyFloat(lr.minLr), by_epoch: lr.byEpoch });
}

export function runner(r: RunnerConfig): PyExpr {
  return r.type === 'epoch' ? pyDict({ type: 'EpochBasedRunner', max_epochs: r.max }) : pyDict({ type: 'IterBasedRunner', max_iters: r.max });
}

/** CheckpointHook: our interval 0 (no periodic checkpoints) is mmcv's -1, which still saves the last one (save_last). */
export function checkpointConfig(r: RunnerConfig): PyExpr {
  const interval = r.checkpointInterval > 0 ? r.checkpointInterval : -1;
  return r.type === 'epoch' ? pyDict({ interval }) : pyDict({ by_epoch: false, interval });
}

export function logConfig(r: RunnerConfig): PyExpr {
  const logger = r.type === 'epoch' ? pyDict({ type: 'TextLoggerHook' }) : pyDict({ type: 'TextLoggerHook', by_epoch: false });
  return pyDict({ interval: r.logInterval, hooks: pyList([logger]) });
}

/**
 * mmcv's EvalHook needs an interval > 0. Our 0 ("no evaluation during training") becomes the last epoch or
 * iteration, so a run evaluates once at its end (as `mila start` does after training); `tools/train.py
 * --no-validate` turns it off entirely.
 */
function evalInterval(r: RunnerConfig): number {
  return r.evalInterval > 0 ? r.evalInterval : r.max;
}

/** `evaluation = dict(interval=..., metric=...)`, with a note when the source config does not evaluate during training. */
export function evaluationStatement(r: RunnerConfig, metrics: readonly string[], extra: Record<string, PyExpr> = {}): PyAssignment {
  return {
    name: 'evaluation',
    value: pyDict({ interval: evalInterval(r), metric: metrics.length === 1 ? metrics[0]! : pyList(metrics), ...extra }),
    comment: r.evalInterval > 0 ? undefined : ['no evaluation during training in the source config (runner.evalInterval 0): once at the end here; --no-validate skips it'],
  };
}

/** default_runtime.py's distributed settings, logging level, start weights (those exported beside the config) and workflow. */
export function runtimeStatements(): PyAssignment[] {
  return [
    { name: 'dist_params', value: pyDict({ backend: 'nccl' }) },
    { name: 'log_level', value: 'INFO' },
    { name: 'load_from', value: modelPath(), comment: [`the weights exported beside this file (mmcv puts this file's folder in place of the template)`] },
    { name: 'resume_from', value: null },
    { name: 'workflow', value: pyList([pyTuple(['train', 1])]) },
  ];
}

export const DATASET_COMMENT = ['dataset settings (relative paths are relative to where tools/train.py runs, as for `mila train`)'];

/** `classes=(...)` for a dataset dict, or nothing when the dataset's own class list applies. */
export function classesTuple(names: readonly string[] | null): PyExpr | undefined {
  return names ? pyTuple(names) : undefined;
}

/** The weights files written beside config.py, as mmcv resolves them: relative to the config's folder. */
export const MODEL_FILE = 'model.pth';
export const BACKBONE_FILE = 'backbone.pth';
export const modelPath = (): PyExpr => new PyConfigRelativePath(MODEL_FILE);
export const backbonePath = (): PyExpr => new PyConfigRelativePath(BACKBONE_FILE);
