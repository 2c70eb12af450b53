import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { ExperimentConfig } from '../configs/types.js';
import { loadTrainingCheckpoint, saveTrainingCheckpoint, writeFileAtomic } from '../core/checkpoint/index.js';
import { registerAllGradients } from '../core/kernels/register-gradients.js';
import { manualSeed } from '../core/rng.js';
import type { TrainableModel } from '../models/types.js';
import { AdamW } from './adamw.js';
import { scheduledLr, type ScheduleProgress } from './lr-schedule.js';
import { paramSettings } from './param-groups.js';
import { Progress, formatDuration } from './progress.js';
import { trainStep } from './train-step.js';

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
  /** Evaluation hook, called at `runner.evalInterval` with the model in eval mode; returns metrics to log. */
  evaluate?: (ctx: EvalContext) => Promise<Record<string, number>>;
  /** Stop after this many iterations in total (as if interrupted), still saving a checkpoint there. */
  stopAtIter?: number;
  /** Wall-clock deadline (ms since the epoch): training stops at the first iteration that ends after it. */
  deadline?: number;
  /** Where log lines go (default stderr); the progress bar is drawn only on a terminal. */
  log?: (line: string) => void;
  progressBar?: boolean;
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

/**
 * mmcv's runner for one device: epoch- or iteration-based, AdamW with paramwise groups, mmcv lr schedule with
 * warm-up, periodic logging, evaluation and atomic checkpoints, exact resume.
 */
export class Runner<B> {
  readonly optimizer: AdamW;
  private readonly cfg: ExperimentConfig;
  private readonly maxIters: number;
  private readonly maxEpochs: number;
  private iter = 0;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: RunnerOptions<B>) {
    this.cfg = opts.config;
    const { optimizer, runner } = this.cfg;
    if (optimizer.type !== 'AdamW') throw new UserError(`${this.cfg.name}: optimizer.type '${optimizer.type}' is not supported (AdamW only)`);
    const bpe = opts.data.batchesPerEpoch;
    if (!(bpe > 0)) throw new UserError(`${this.cfg.name}: the training set yields no batch (batchesPerEpoch ${bpe})`);
    if (!(Number.isInteger(runner.max) && runner.max > 0)) throw new UserError(`${this.cfg.name}: runner.max must be a positive integer, got ${runner.max}`);
    if (!(Number.isInteger(runner.logInterval) && runner.logInterval > 0)) throw new UserError(`${this.cfg.name}: runner.logInterval must be a positive integer, got ${runner.logInterval}`);
    for (const k of ['evalInterval', 'checkpointInterval'] as const) {
      if (!(Number.isInteger(runner[k]) && runner[k] >= 0)) throw new UserError(`${this.cfg.name}: runner.${k} must be an integer >= 0 (0 = off), got ${runner[k]}`);
    }
    this.maxIters = runner.type === 'epoch' ? runner.max * bpe : runner.max;
    this.maxEpochs = runner.type === 'epoch' ? runner.max : Math.ceil(runner.max / bpe);
    this.optimizer = new AdamW(paramSettings(opts.model, optimizer), { betas: optimizer.betas, eps: optimizer.eps });
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  get currentIter(): number {
    return this.iter;
  }

  progressAt(iter: number): ScheduleProgress {
    return { iter, epoch: Math.floor(iter / this.opts.data.batchesPerEpoch), maxIters: this.maxIters, maxEpochs: this.maxEpochs };
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
    if (state.batchesPerEpoch !== this.opts.data.batchesPerEpoch) {
      throw new UserError(
        `${path}: written with ${state.batchesPerEpoch} batches per epoch, the data now gives ${this.opts.data.batchesPerEpoch}: resuming would not replay the same order`,
      );
    }
    this.opts.model.loadStateDict(ckpt.model, { strict: true, source: path });
    this.optimizer.loadStateDict(ckpt.optimizer, path);
    this.iter = state.iter;
  }

  state(): RunnerState {
    const bpe = this.opts.data.batchesPerEpoch;
    const epoch = Math.floor(this.iter / bpe);
    return {
      iter: this.iter,
      epoch,
      batchInEpoch: this.iter - epoch * bpe,
      batchesPerEpoch: bpe,
      seed: this.cfg.seed,
      rng: { scheme: 'reseed-per-iteration', seed: this.cfg.seed },
      dataOrder: { scheme: 'seed-epoch-index', seed: this.cfg.seed, epoch, start: this.iter - epoch * bpe },
    };
  }

  /** Write `<workDir>/<name>.{safetensors,optim.safetensors,json}` and point `last_checkpoint` at it. */
  saveCheckpoint(name: string): string {
    const workDir = this.opts.workDir;
    if (!workDir) throw new Error('saveCheckpoint needs a work dir');
    mkdirSync(workDir, { recursive: true });
    const base = join(workDir, name);
    saveTrainingCheckpoint(base, {
      model: this.opts.model.stateDict(),
      optimizer: this.optimizer.stateDict(),
      meta: {
        state: this.state(),
        config: this.cfg,
        optimizer: { type: 'AdamW', betas: this.cfg.optimizer.betas, eps: this.cfg.optimizer.eps, lr: this.lrAt(this.iter) },
        savedAt: new Date().toISOString(),
      },
    });
    writeFileAtomic(join(workDir, LAST_CHECKPOINT_FILE), [new TextEncoder().encode(`${basename(base)}\n`)]);
    return base;
  }

  async run(): Promise<RunResult> {
    const { model, data, config } = this.opts;
    const rc = config.runner;
    const bpe = data.batchesPerEpoch;
    await registerAllGradients();
    if (this.opts.resumeFrom) {
      this.resume(this.opts.resumeFrom);
      this.log(`resumed from ${this.opts.resumeFrom} at iteration ${this.iter} (epoch ${Math.floor(this.iter / bpe) + 1})`);
    }
    let stopAt = Math.min(this.maxIters, this.opts.stopAtIter ?? Infinity);
    const result: RunResult = { iter: this.iter, epoch: 0, lastLog: {}, evals: [], checkpoints: [], seconds: 0 };
    const jsonLog = this.opts.workDir ? join(this.opts.workDir, 'log.jsonl') : null;
    if (jsonLog) mkdirSync(dirname(jsonLog), { recursive: true });
    const writeJson = (rec: Record<string, unknown>): void => {
      if (jsonLog) appendFileSync(jsonLog, `${JSON.stringify(rec)}\n`);
    };

    const newBar = (): Progress => new Progress('train', this.maxIters, { enabled: this.opts.progressBar ?? true, unit: 'iters', write: this.log });
    let progress = newBar();
    const say = (line: string): void => progress.log(line);
    const t0 = performance.now();
    const startIter = this.iter;
    const sums: Record<string, number> = {};
    let count = 0;
    let timeSum = 0;
    let dataTimeSum = 0;
    try {
      progress.update(this.iter);
      model.train();
      while (this.iter < stopAt) {
        const epoch = Math.floor(this.iter / bpe);
        const start = this.iter - epoch * bpe;
        const iterator = toAsyncIterator(data.epochBatches(epoch, start));
        let tData = performance.now();
        for (let inEpoch = start; inEpoch < bpe && this.iter < stopAt; inEpoch++) {
          const next = await iterator.next();
          if (next.done) throw new Error(`epoch ${epoch + 1} ended after ${inEpoch} batches, expected ${bpe}`);
          const tStep = performance.now();
          const seed = iterationSeed(config.seed, this.iter);
          // Also reseeds the dropout/drop-path masks: a resumed run with drop-path > 0 draws what the uninterrupted one did.
          manualSeed(seed);
          // Models with their own sampling streams (Mask R-CNN's RPN/RoI samplers) restart them per iteration too.
          (model as Partial<ReseedableModel>).reseedSampling?.(seed);
          const lr = this.lrAt(this.iter);
          const step = trainStep(model, this.optimizer, next.value, lr, config.optimizer.gradClip?.maxNorm ?? null);
          this.iter += 1;
          const tEnd = performance.now();
          if (this.opts.deadline !== undefined && Date.now() > this.opts.deadline && this.iter < stopAt) {
            stopAt = this.iter;
            progress.log(`time limit reached: stopping after iteration ${this.iter} of ${this.maxIters}`);
          }

          timeSum += (tEnd - tData) / 1000;
          dataTimeSum += (tStep - tData) / 1000;
          for (const [k, v] of Object.entries(step.terms)) sums[k] = (sums[k] ?? 0) + v;
          sums.loss = (sums.loss ?? 0) + step.loss;
          if (step.gradNorm !== null) sums.grad_norm = (sums.grad_norm ?? 0) + step.gradNorm;
          count += 1;
          const perIter = (tEnd - t0) / 1000 / (this.iter - startIter);
          progress.update(this.iter, `loss ${step.loss.toFixed(4)} lr ${lr.toExponential(3)} ${perIter.toFixed(2)} s/it`);

          if (this.iter % rc.logInterval === 0 || this.iter === stopAt) {
            const avg: Record<string, number> = {};
            for (const [k, v] of Object.entries(sums)) avg[k] = v / count;
            const eta = perIter * (this.maxIters - this.iter);
            const where = rc.type === 'epoch' ? `Epoch [${epoch + 1}][${inEpoch + 1}/${bpe}]` : `Iter [${this.iter}/${this.maxIters}]`;
            const terms = Object.entries(avg).filter(([k]) => k !== 'loss' && k !== 'grad_norm').map(([k, v]) => `${k}: ${v.toFixed(4)}`);
            if (avg.grad_norm !== undefined) terms.push(`grad_norm: ${avg.grad_norm.toFixed(4)}`);
            say(
              `${where}\tlr: ${lr.toExponential(3)}, eta: ${formatDuration(eta)}, time: ${(timeSum / count).toFixed(3)}, data_time: ${(dataTimeSum / count).toFixed(3)}, ${[...terms, `loss: ${avg.loss!.toFixed(4)}`].join(', ')}`,
            );
            writeJson({ mode: 'train', epoch: epoch + 1, iter: this.iter, lr, time: timeSum / count, data_time: dataTimeSum / count, ...avg });
            result.lastLog = avg;
            for (const k of Object.keys(sums)) delete sums[k];
            count = 0;
            timeSum = 0;
            dataTimeSum = 0;
          }

          const epochDone = inEpoch + 1 === bpe;
          const unitDone = rc.type === 'epoch' ? (epochDone ? epoch + 1 : null) : this.iter;
          const isLast = this.iter === this.maxIters;
          if (this.opts.workDir && rc.checkpointInterval > 0) {
            const due = unitDone !== null && (unitDone % rc.checkpointInterval === 0 || isLast);
            const interrupted = this.iter === stopAt && !isLast;
            if (due || interrupted) {
              const name = rc.type === 'epoch' && due ? `epoch_${unitDone}` : `iter_${this.iter}`;
              const base = this.saveCheckpoint(name);
              result.checkpoints.push(base);
              progress.log(`saved checkpoint ${base}.safetensors`);
            }
          }
          if (this.opts.evaluate && rc.evalInterval > 0 && unitDone !== null && (unitDone % rc.evalInterval === 0 || isLast)) {
            // The evaluation draws its own bar: close ours meanwhile.
            progress.stop();
            model.eval();
            const metrics = await this.opts.evaluate({ epoch: epoch + 1, iter: this.iter });
            model.train();
            progress = newBar();
            progress.update(this.iter);
            result.evals.push({ epoch: epoch + 1, iter: this.iter, metrics });
            const shown = Object.entries(metrics).map(([k, v]) => `${k}: ${Number.isInteger(v) ? v : v.toFixed(4)}`).join(', ');
            say(rc.type === 'epoch' ? `Epoch(val) [${epoch + 1}]\t${shown}` : `Iter(val) [${this.iter}]\t${shown}`);
            writeJson({ mode: 'val', epoch: epoch + 1, iter: this.iter, ...metrics });
          }
          tData = performance.now();
        }
        await iterator.return?.();
      }
    } finally {
      progress.stop();
    }
    result.iter = this.iter;
    result.epoch = Math.floor(this.iter / bpe);
    result.seconds = (performance.now() - t0) / 1000;
    return result;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

function toAsyncIterator<T>(it: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in it) return (it as AsyncIterable<T>)[Symbol.asyncIterator]();
  const sync = (it as Iterable<T>)[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async (v?: unknown) => sync.return?.(v as T) ?? { done: true, value: undefined as T },
  };
}
