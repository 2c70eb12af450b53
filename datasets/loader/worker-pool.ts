import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../cli/errors.js';
import type { PipelineSpec, RecipeRunner, Sample } from './run-recipe.js';
import type { SampleRecipe } from './sample-recipe.js';

/**
 * Loader workers running the JS half of the pipeline in parallel with the model. The worker script
 * is the compiled transform-worker.js beside this file (dist/ when running the CLI).
 */
export class WorkerPool implements RecipeRunner {
  /** The compiled worker script exists (false when running from TypeScript sources, e.g. under vitest). */
  static available(): boolean {
    return existsSync(fileURLToPath(new URL('./transform-worker.js', import.meta.url)));
  }

  private readonly workers: Worker[] = [];
  private readonly busy: number[] = [];
  private readonly dead: (Error | null)[] = [];
  private readonly pending = new Map<number, { resolve: (s: Sample | null) => void; reject: (e: Error) => void; worker: number }>();
  private nextId = 0;

  constructor(count: number, pipeline: PipelineSpec) {
    const script = fileURLToPath(new URL('./transform-worker.js', import.meta.url));
    if (!existsSync(script)) throw new Error(`loader workers need the compiled ${script} (build with tsc), or use workers: 0`);
    for (let k = 0; k < count; k++) {
      const w = new Worker(script, { workerData: { pipeline } });
      w.on('message', (m: { id: number; sample?: Sample | null; error?: { name: string; message: string } }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.busy[p.worker]!--;
        if (m.error) p.reject(m.error.name === 'UserError' ? new UserError(m.error.message) : new Error(m.error.message));
        else p.resolve(m.sample ?? null);
      });
      w.on('error', (err) => this.fail(k, err));
      // A worker that dies without an 'error' (killed by an abort, out of memory) must still fail its samples,
      // or whoever awaits them waits forever.
      w.on('exit', (code) => {
        this.dead[k] = new Error(`loader worker ${k} exited (code ${code})`);
        this.fail(k, this.dead[k]!);
      });
      this.workers.push(w);
      this.busy.push(0);
      this.dead.push(null);
    }
  }

  run(recipe: SampleRecipe, seed: number): Promise<Sample | null> {
    const alive = this.workers.map((_, i) => i).filter((i) => !this.dead[i]);
    if (!alive.length) return Promise.reject(this.dead[0] ?? new Error('loader workers closed'));
    let k = alive[0]!;
    for (const i of alive) if (this.busy[i]! < this.busy[k]!) k = i;
    const id = this.nextId++;
    this.busy[k]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: k });
      this.workers[k]!.postMessage({ id, recipe, seed });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(worker: number, err: Error): void {
    for (const [id, p] of this.pending) if (p.worker === worker) (this.pending.delete(id), p.reject(err));
  }
}
