import { UserError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { mixSeed } from '../synthetic/coco-synthetic.js';
import type { DetBatch, DetSample, SegBatch, SegSample } from '../../core/types/data.js';
import { BatchOrder } from './batch-order.js';
import { collateDet, collateSeg } from './collate.js';
import { recipeRunner, type PipelineSpec, type RecipeRunner, type Sample } from './run-recipe.js';
import type { SampleRecipe } from './sample-recipe.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../../core/workers/worker-pool.js';
import type { TransformItem, TransformSetup } from './transform-task.js';

/** The compiled shard task beside this file (dist/ when running the CLI; absent when running from TypeScript sources). */
const TRANSFORM_TASK = fileURLToPath(new URL('./transform-task.js', import.meta.url));

/** Loader workers as a RecipeRunner: the recipes go to the shared worker pool. */
function workerRunner(pool: WorkerPool<TransformItem, Sample | null>): RecipeRunner {
  return { run: (recipe, seed) => pool.run({ recipe, seed }) };
}

/** A dataset as the loader sees it: a count and a recipe per index (CocoInstances, Ade20kDataset). */
export interface RecipeSource {
  readonly length: number;
  recipe(i: number): SampleRecipe;
}

export interface LoaderOptions {
  dataset: RecipeSource;
  pipeline: PipelineSpec;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  dropLast?: boolean;
  /** Batches decoded and transformed ahead of the one being consumed (default 2). */
  prefetch?: number;
  /**
   * Worker threads for decoding + transforms; 0 runs them on the main thread (sharp still decodes off
   * it). Running from TypeScript sources (no compiled worker script) falls back to 0; see `workers`.
   */
  workers?: number;
  /**
   * A sample that cannot be loaded (missing or corrupt image, label of the wrong size...):
   * 'stop' (default) rethrows its one-line error; 'skip' counts it in `stats` and draws another
   * index deterministically, like mmdet's `_rand_another`.
   */
  onBadSample?: 'stop' | 'skip';
  /** Called once per skipped sample (e.g. to log); the loader also keeps the first messages in stats. */
  onSkip?: (message: string) => void;
}

export interface LoaderStats {
  skipped: number;
  /** The first few skip messages. */
  messages: string[];
}

/**
 * Batches in a fixed order for a seed (resumable at any iteration, see BatchOrder), with the next
 * `prefetch` batches loading while the caller computes. Augmentation randomness is seeded per
 * (iteration, slot), so results do not depend on the number of workers or their timing.
 */
export class DataLoader<B> {
  readonly order: BatchOrder;
  readonly stats: LoaderStats = { skipped: 0, messages: [] };
  private readonly runner: RecipeRunner;
  private readonly pool: WorkerPool<TransformItem, Sample | null> | null;

  constructor(private readonly opts: LoaderOptions, private readonly collate: (samples: Sample[]) => B) {
    this.order = new BatchOrder(opts.dataset.length, opts.batchSize, opts.shuffle ?? true, opts.seed ?? 0, opts.dropLast ?? false);
    const setup: TransformSetup = { pipeline: opts.pipeline };
    this.pool = opts.workers && existsSync(TRANSFORM_TASK) ? new WorkerPool({ module: TRANSFORM_TASK, setup }, opts.workers) : null;
    this.runner = this.pool ? workerRunner(this.pool) : recipeRunner(opts.pipeline);
  }

  /** Worker threads actually in use. */
  get workers(): number {
    return this.pool ? (this.opts.workers ?? 0) : 0;
  }

  get itersPerEpoch(): number {
    return this.order.itersPerEpoch;
  }

  /** The batch of iteration `iter` (no prefetching). */
  async batch(iter: number): Promise<B> {
    const idx = this.order.indices(iter);
    const samples = await Promise.all(idx.map((i, j) => this.sample(i, this.order.sampleSeed(iter, j))));
    return this.collate(samples);
  }

  /** Batches of iterations [start, end), loading ahead. */
  async *batches(start = 0, end = Infinity): AsyncGenerator<{ iter: number; batch: B }> {
    const ahead = Math.max(0, this.opts.prefetch ?? 2);
    const queue: Promise<B>[] = [];
    let next = start;
    const fill = (): void => {
      while (queue.length <= ahead && next < end) {
        const p = this.batch(next++);
        p.catch(() => {}); // surfaced when awaited below
        queue.push(p);
      }
    };
    for (let iter = start; iter < end; iter++) {
      fill();
      const batch = await queue.shift()!;
      fill();
      yield { iter, batch };
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }

  private async sample(index: number, seed: number): Promise<Sample> {
    let idx = index;
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const s = await this.runner.run(this.opts.dataset.recipe(idx), mixSeed(seed, attempt, 0));
        if (s) return s;
      } catch (err) {
        if (this.opts.onBadSample !== 'skip' || !(err instanceof UserError)) throw err;
        this.stats.skipped++;
        if (this.stats.messages.length < 20) this.stats.messages.push(err.message);
        this.opts.onSkip?.(err.message);
      }
      // A dropped (e.g. cropped-empty) or bad sample is replaced by another index, deterministically.
      idx = new Rng(mixSeed(seed, attempt + 1, idx)).int(0, this.opts.dataset.length);
    }
    throw new UserError(`the loader could not produce a sample after 50 attempts (last index ${idx}); see the skipped-sample messages`);
  }
}

export function detLoader(opts: LoaderOptions): DataLoader<DetBatch> {
  return new DataLoader(opts, (s) => collateDet(s as DetSample[]));
}

export function segLoader(opts: LoaderOptions): DataLoader<SegBatch> {
  return new DataLoader(opts, (s) => collateSeg(s as SegSample[]));
}
