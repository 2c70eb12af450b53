import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { basename, join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { ExperimentConfig } from '../configs/types.js';
import { loadTrainingCheckpoint, saveTrainingCheckpoint, trainingCheckpointPaths, writeFileAtomic } from '../core/checkpoint/index.js';
import { registerAllGradients } from '../core/kernels/register-gradients.js';
import { firstNonFinite } from '../core/host-tensor.js';
import { manualSeed } from '../core/rng.js';
import type { TrainableModel } from '../models/types.js';
import { AdamW } from './adamw.js';
import { scheduledLr, type ScheduleProgress } from './lr-schedule.js';
import { paramSettings } from './param-groups.js';
import { Progress } from './progress.js';
import { NonFiniteStepError, trainStep, type StepResult } from './train-step.js';
import { outOfMemoryError } from './out-of-memory.js';
import { CheckpointHook } from './hooks/checkpoint-hook.js';
import { EvalHook, type Evaluate } from './hooks/eval-hook.js';
import { priorityValue, type HookPoint, type PriorityName, type RunnerHook } from './hooks/hook.js';
import { LogBuffer } from './hooks/log-buffer.js';
import { LrUpdaterHook } from './hooks/lr-updater-hook.js';
import { HOOKS } from './hooks/registry.js';
import { TextLoggerHook } from './hooks/text-logger-hook.js';

/**
 * The training data as the runner sees it: a fixed number of batches per epoch, and the batches of any
 * epoch from any position. Order and augmentation must depend only on (seed, epoch, batch index), so that
 * resuming at iteration i replays exactly the batches an uninterrupted run would have seen.
 */
export interface TrainData<B> {
  readonly batchesPerEpoch: number;
  epochBatches(epoch: number, start: number): AsyncIterable<B> | Iterable<B>;
  /** Release loader workers, if any. */
  close?(): Promise<void>;
}

export interface EvalContext {
  epoch: number;
  iter: number;
}

export interface RunnerOptions<B> {
  model: TrainableModel<B>;
  data: TrainData<B>;
  config: ExperimentConfig;
  /** Where checkpoints and the JSON log go; null keeps everything in memory (tests). */
  workDir: string | null;
  /** A checkpoint base path (or any of its three files) to continue from. */
  resumeFrom?: string | null;
  /** The task's evaluation, run by the EvalHook every `runner.evalInterval` with the model in eval mode; returns metrics to log. */
  evaluate?: Evaluate;
  /** Stop after this many iterations in total (as if interrupted), still saving a checkpoint there. */
  stopAtIter?: number;
  /** Wall-clock deadline (ms since the epoch): training stops at the first iteration that ends after it. */
  deadline?: number;
  /** Where log lines go (default stderr); the progress bar is drawn only on a terminal. */
  log?: (line: string) => void;
  progressBar?: boolean;
  /** Hooks of yours, besides the built-in ones and the config's `customHooks`. */
  hooks?: RunnerHook<B>[];
}

export interface RunResult {
  iter: number;
  epoch: number;
  /** Averaged terms of the last log interval. */
  lastLog: Record<string, number>;
  evals: { epoch: number; iter: number; metrics: Record<string, number> }[];
  checkpoints: string[];
  seconds: number;
}

/** The sidecar meta of our training checkpoints (beside the config). */
export interface RunnerState {
  iter: number;
  epoch: number;
  batchInEpoch: number;
  batchesPerEpoch: number;
  seed: number;
  /** How randomness is reproduced: the global Rng is reseeded from (seed, iter) before every iteration. */
  rng: { scheme: 'reseed-per-iteration'; seed: number };
  dataOrder: { scheme: 'seed-epoch-index'; seed: number; epoch: number; start: number };
}

/** A model whose private random streams can be restarted from a seed (see MaskRCNN.reseedSampling). */
export interface ReseedableModel {
  reseedSampling(seed: number): void;
}

/** The seed of the global Rng for iteration `iter`: any code drawing from `defaultRng()` replays on resume. */
export function iterationSeed(seed: number, iter: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(iter + 1, 0x85ebca77)) >>> 0;
}

/** The name of the newest checkpoint in a work dir is kept in this file (as mmengine's `last_checkpoint`). */
export const LAST_CHECKPOINT_FILE = 'last_checkpoint';

export function lastCheckpointIn(workDir: string): string | null {
  const p = join(workDir, LAST_CHECKPOINT_FILE);
  if (!existsSync(p)) return null;
  const base = readFileSync(p, 'utf8').trim();
  return base ? join(workDir, base) : null;
}

/** One entry of `customHooks` or `RunnerOptions.hooks` with where it runs. */
interface RegisteredHook<B> {
  hook: RunnerHook<B>;
  priority: number;
}

/**
 * mmcv's runner for one device: epoch- or iteration-based, AdamW with paramwise groups, exact resume; everything
 * else happens in hooks at mmcv's moments (`beforeRun`, `beforeTrainEpoch`, `beforeTrainIter`, `afterTrainIter`,
 * `afterTrainEpoch`, `beforeValEpoch`, `afterValEpoch`, `afterRun`), in priority order: the lr schedule
 * (LrUpdaterHook), checkpoints (CheckpointHook), evaluation (EvalHook), text and JSON logs (TextLoggerHook), and
 * the config's `customHooks` and `RunnerOptions.hooks`. The loop itself only fetches batches, reseeds, steps,
 * times and counts.
 */
export class Runner<B> {
  readonly optimizer: AdamW;
  readonly model: TrainableModel<B>;
  readonly config: ExperimentConfig;
  /** Where checkpoints and logs go; null keeps everything in memory. */
  readonly workDir: string | null;
  readonly maxIters: number;
  readonly maxEpochs: number;
  readonly batchesPerEpoch: number;
  /** The per-iteration scalars (loss terms, loss, grad_norm, time, data_time) until a logger averages them. */
  readonly logBuffer = new LogBuffer();
  /** Results of the evaluations so far, and the checkpoints written (base paths). */
  readonly evals: RunResult['evals'] = [];
  readonly checkpoints: string[] = [];
  /** The lr of the iteration in progress (set by the LrUpdaterHook before it). */
  lr = 0;
  /** The last step's terms, loss and gradient norm. */
  outputs: StepResult | null = null;
  /** The metrics of the last evaluation (set by the EvalHook for the loggers' afterValEpoch). */
  valMetrics: Record<string, number> | null = null;
  private completed = 0;
  private epochIndex = 0;
  private inEpoch = 0;
  private stopAtIter = Infinity;
  private perIter = 0;
  private readonly registered: RegisteredHook<B>[] = [];
  private readonly write: (line: string) => void;
  private progress: Progress | null = null;

  constructor(private readonly opts: RunnerOptions<B>) {
    this.cfg = opts.config;
    this.model = opts.model;
    this.config = opts.config;
    this.workDir = opts.workDir;
    const { optimizer, runner } = this.cfg;
    if (optimizer.type !== 'AdamW') throw new UserError(`${this.cfg.name}: optimizer.type '${optimizer.type}' is not supported (AdamW only)`);
    const bpe = opts.data.batchesPerEpoch;
    if (!(bpe > 0)) throw new UserError(`${this.cfg.name}: the training set yields no batch (batchesPerEpoch ${bpe})`);
    if (!(Number.isInteger(runner.max) && runner.max > 0)) throw new UserError(`${this.cfg.name}: runner.max must be a positive integer, got ${runner.max}`);
    if (!(Number.isInteger(runner.logInterval) && runner.logInterval > 0)) throw new UserError(`${this.cfg.name}: runner.logInterval must be a positive integer, got ${runner.logInterval}`);
    for (const k of ['evalInterval', 'checkpointInterval'] as const) {
      if (!(Number.isInteger(runner[k]) && runner[k] >= 0)) throw new UserError(`${this.cfg.name}: runner.${k} must be an integer >= 0 (0 = off), got ${runner[k]}`);
    }
    this.batchesPerEpoch = bpe;
    this.maxIters = runner.type === 'epoch' ? runner.max * bpe : runner.max;
    this.maxEpochs = runner.type === 'epoch' ? runner.max : Math.ceil(runner.max / bpe);
    this.optimizer = new AdamW(paramSettings(opts.model, optimizer), { betas: optimizer.betas, eps: optimizer.eps });
    this.write = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.registerHook(new LrUpdaterHook());
    if (opts.workDir && runner.checkpointInterval > 0) this.registerHook(new CheckpointHook(runner.checkpointInterval));
    if (opts.evaluate && runner.evalInterval > 0) this.registerHook(new EvalHook(runner.evalInterval, opts.evaluate));
    this.registerHook(new TextLoggerHook());
    for (const entry of this.cfg.customHooks ?? []) this.registerHook(HOOKS.build(entry, undefined) as RunnerHook<B>, entry.priority as number | PriorityName | undefined);
    for (const hook of opts.hooks ?? []) this.registerHook(hook);
  }

  private readonly cfg: ExperimentConfig;

  /** Add a hook; `priority` (mmcv's names or a number) overrides the hook's own, NORMAL when neither is given. */
  registerHook(hook: RunnerHook<B>, priority?: number | PriorityName): void {
    const p = priorityValue(priority ?? hook.priority, hook.constructor?.name ?? 'hook');
    // Stable: equal priorities keep registration order (mmcv inserts after the last hook of the same priority).
    let at = this.registered.length;
    while (at > 0 && this.registered[at - 1]!.priority > p) at--;
    this.registered.splice(at, 0, { hook, priority: p });
  }

  /** The hooks in the order they run. */
  get hooks(): RunnerHook<B>[] {
    return this.registered.map((r) => r.hook);
  }

  /** Call every hook's `point`, in priority order, one after the other. */
  async callHook(point: HookPoint): Promise<void> {
    for (const { hook } of this.registered) await hook[point]?.(this);
  }

  /** Completed iterations (the position a checkpoint records). */
  get iter(): number {
    return this.completed;
  }

  get currentIter(): number {
    return this.completed;
  }

  /** The epoch (from 0) of the iteration in progress or just finished. */
  get epoch(): number {
    return this.epochIndex;
  }

  /** The iteration's index within its epoch (from 0). */
  get innerIter(): number {
    return this.inEpoch;
  }

  /** Where this run stops: maxIters, or earlier (`stopAtIter`, the --time-limit deadline). */
  get stopAt(): number {
    return this.stopAtIter;
  }

  /**
   * End the run after the iteration in progress (an early-stop hook). From an `afterTrainIter` hook above NORMAL
   * priority the CheckpointHook still saves there (the run counts as interrupted) and the loggers log it.
   */
  stop(): void {
    this.stopAtIter = Math.min(this.stopAtIter, this.completed);
  }

  get isLastIter(): boolean {
    return this.completed === this.maxIters;
  }

  /** Wall seconds per iteration of this run so far (for the ETA). */
  get secondsPerIter(): number {
    return this.perIter;
  }

  /**
   * The runner's unit just completed, for interval hooks: the epoch count when an epoch-based run ended an epoch
   * with this iteration, the iteration count in an iteration-based run, otherwise null.
   */
  completedUnit(): number | null {
    if (this.cfg.runner.type !== 'epoch') return this.completed;
    return this.inEpoch + 1 === this.batchesPerEpoch ? this.epochIndex + 1 : null;
  }

  /** A log line, printed above the progress bar when there is one. */
  log(line: string): void {
    if (this.progress) this.progress.log(line);
    else this.write(line);
  }

  /** Run `fn` (an evaluation, which draws its own bar) with the model in eval mode and the training bar closed. */
  async whileEvaluating<T>(fn: () => Promise<T>): Promise<T> {
    this.progress?.stop();
    this.progress = null;
    this.model.eval();
    try {
      return await fn();
    } finally {
      this.model.train();
      this.progress = this.newBar();
      this.progress.update(this.completed);
    }
  }

  progressAt(iter: number): ScheduleProgress {
    return { iter, epoch: Math.floor(iter / this.batchesPerEpoch), maxIters: this.maxIters, maxEpochs: this.maxEpochs };
  }

  /** The lr (before per-parameter multipliers) for the iteration that starts after `iter` completed ones. */
  lrAt(iter: number): number {
    return scheduledLr(this.cfg.lrConfig, this.cfg.optimizer.lr, this.progressAt(iter));
  }

  /** Load weights, optimizer state and position from a checkpoint written by `saveCheckpoint`. */
  resume(path: string): void {
    const ckpt = loadTrainingCheckpoint(path);
    const state = ckpt.meta.state as RunnerState | undefined;
    if (!state || typeof state.iter !== 'number') throw new UserError(`${path}: not a training checkpoint of mila train (no runner state)`);
    if (state.batchesPerEpoch !== this.batchesPerEpoch) {
      throw new UserError(
        `${path}: written with ${state.batchesPerEpoch} batches per epoch, the data now gives ${this.batchesPerEpoch}: resuming would not replay the same order`,
      );
    }
    // Errors name the file of the three that holds the bad tensor (non-finite weights or moments are refused).
    const files = trainingCheckpointPaths(path);
    this.opts.model.loadStateDict(ckpt.model, { strict: true, source: files.model });
    this.optimizer.loadStateDict(ckpt.optimizer, files.optimizer);
    this.completed = state.iter;
  }

  state(): RunnerState {
    const bpe = this.batchesPerEpoch;
    const epoch = Math.floor(this.completed / bpe);
    return {
      iter: this.completed,
      epoch,
      batchInEpoch: this.completed - epoch * bpe,
      batchesPerEpoch: bpe,
      seed: this.cfg.seed,
      rng: { scheme: 'reseed-per-iteration', seed: this.cfg.seed },
      dataOrder: { scheme: 'seed-epoch-index', seed: this.cfg.seed, epoch, start: this.completed - epoch * bpe },
    };
  }

  /** The checkpoint `last_checkpoint` names now, as a phrase for messages. */
  private lastCheckpointPhrase(): string {
    const last = this.opts.workDir ? lastCheckpointIn(this.opts.workDir) : null;
    return last ? `the last checkpoint is ${last} (--resume continues from it)` : 'no checkpoint was written';
  }

  /**
   * Write `<workDir>/<name>.{safetensors,optim.safetensors,json}` and point `last_checkpoint` at it. Weights or
   * moments holding NaN/Infinity (finite steps can still overflow them) are refused before anything is written,
   * so `last_checkpoint` keeps naming a usable checkpoint.
   */
  saveCheckpoint(name: string): string {
    const workDir = this.opts.workDir;
    if (!workDir) throw new Error('saveCheckpoint needs a work dir');
    mkdirSync(workDir, { recursive: true });
    const base = join(workDir, name);
    const model = this.opts.model.stateDict();
    const optimizer = this.optimizer.stateDict();
    const bad = firstNonFinite(model) ?? firstNonFinite(optimizer);
    if (bad) {
      throw new UserError(
        `iteration ${this.completed}: ${bad.name} has ${bad.count} of ${bad.numel} values NaN or infinite (the training diverged); ${base} not saved, ${this.lastCheckpointPhrase()}`,
      );
    }
    saveTrainingCheckpoint(base, {
      model,
      optimizer,
      meta: {
        state: this.state(),
        config: this.cfg,
        optimizer: { type: 'AdamW', betas: this.cfg.optimizer.betas, eps: this.cfg.optimizer.eps, lr: this.lrAt(this.completed) },
        savedAt: new Date().toISOString(),
      },
    });
    writeFileAtomic(join(workDir, LAST_CHECKPOINT_FILE), [new TextEncoder().encode(`${basename(base)}\n`)]);
    return base;
  }

  async run(): Promise<RunResult> {
    const { model, data, config } = this.opts;
    const bpe = this.batchesPerEpoch;
    await registerAllGradients();
    if (this.opts.resumeFrom) {
      this.resume(this.opts.resumeFrom);
      this.write(`resumed from ${this.opts.resumeFrom} at iteration ${this.completed} (epoch ${Math.floor(this.completed / bpe) + 1})`);
    }
    this.stopAtIter = Math.min(this.maxIters, this.opts.stopAtIter ?? Infinity);
    const t0 = performance.now();
    const startIter = this.completed;
    this.progress = this.newBar();
    try {
      this.progress.update(this.completed);
      model.train();
      await this.callHook('beforeRun');
      while (this.completed < this.stopAtIter) {
        this.epochIndex = Math.floor(this.completed / bpe);
        const start = this.completed - this.epochIndex * bpe;
        const iterator = toAsyncIterator(data.epochBatches(this.epochIndex, start));
        await this.callHook('beforeTrainEpoch');
        let tData = performance.now();
        for (this.inEpoch = start; this.inEpoch < bpe && this.completed < this.stopAtIter; this.inEpoch++) {
          const next = await iterator.next();
          if (next.done) throw new Error(`epoch ${this.epochIndex + 1} ended after ${this.inEpoch} batches, expected ${bpe}`);
          const tStep = performance.now();
          const seed = iterationSeed(config.seed, this.completed);
          // Also reseeds the dropout/drop-path masks: a resumed run with drop-path > 0 draws what the uninterrupted one did.
          manualSeed(seed);
          // Models with their own sampling streams (Mask R-CNN's RPN/RoI samplers) restart them per iteration too.
          (model as Partial<ReseedableModel>).reseedSampling?.(seed);
          await this.callHook('beforeTrainIter');
          let step: StepResult;
          try {
            step = trainStep(model, this.optimizer, next.value, this.lr, config.optimizer.gradClip?.maxNorm ?? null);
          } catch (err) {
            if (!(err instanceof NonFiniteStepError)) {
              throw outOfMemoryError(err, {
                config: config.name, iteration: this.completed + 1, backend: tf.getBackend(),
                batchShape: (next.value as { shape?: number[] }).shape,
                useCheckpoint: (config.model as { backbone?: { useCheckpoint?: boolean } }).backbone?.useCheckpoint === true,
              });
            }
            // No hook runs after a non-finite step: nothing is saved past the last finite one.
            throw new UserError(
              `iteration ${this.completed + 1}: ${err.message}; stopped before the optimizer step, ${this.lastCheckpointPhrase()}; a lower optimizer.lr may help`,
            );
          }
          this.completed += 1;
          const tEnd = performance.now();
          if (this.opts.deadline !== undefined && Date.now() > this.opts.deadline && this.completed < this.stopAtIter) {
            this.stopAtIter = this.completed;
            this.log(`time limit reached: stopping after iteration ${this.completed} of ${this.maxIters}`);
          }
          this.outputs = step;
          this.logBuffer.update({ ...step.terms, loss: step.loss, ...(step.gradNorm !== null ? { grad_norm: step.gradNorm } : {}), time: (tEnd - tData) / 1000, data_time: (tStep - tData) / 1000 });
          this.perIter = (tEnd - t0) / 1000 / (this.completed - startIter);
          this.progress?.update(this.completed, `loss ${step.loss.toFixed(4)} lr ${this.lr.toExponential(3)} ${this.perIter.toFixed(2)} s/it`);
          await this.callHook('afterTrainIter');
          if (this.inEpoch + 1 === bpe) await this.callHook('afterTrainEpoch');
          if (this.logBuffer.ready) this.logBuffer.clear();
          tData = performance.now();
        }
        this.inEpoch = Math.min(this.inEpoch, bpe) - 1;
        await iterator.return?.();
      }
      await this.callHook('afterRun');
    } finally {
      this.progress?.stop();
      this.progress = null;
    }
    return {
      iter: this.completed,
      epoch: Math.floor(this.completed / bpe),
      lastLog: lastTerms(this.logBuffer.lastOutput),
      evals: this.evals,
      checkpoints: this.checkpoints,
      seconds: (performance.now() - t0) / 1000,
    };
  }

  dispose(): void {
    this.optimizer.dispose();
  }

  private newBar(): Progress {
    return new Progress('train', this.maxIters, { enabled: this.opts.progressBar ?? true, unit: 'iters', write: this.write });
  }
}

/** A log record without its timings: the averaged terms, loss and grad_norm. */
function lastTerms(averages: Record<string, number>): Record<string, number> {
  const { time: _t, data_time: _d, ...terms } = averages;
  return terms;
}

function toAsyncIterator<T>(it: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in it) return (it as AsyncIterable<T>)[Symbol.asyncIterator]();
  const sync = (it as Iterable<T>)[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async (v?: unknown) => sync.return?.(v as T) ?? { done: true, value: undefined as T },
  };
}
