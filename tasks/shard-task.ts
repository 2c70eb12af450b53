/**
 * The one shape of the model shard tasks (`mila test`, `infer` and `seg-test` with `--workers N`; the pool and
 * the task-module contract are core/workers/worker-pool.ts). Every worker starts its own backend, imports the
 * config's custom modules (so registered components can be built), then builds the model with its weights once
 * and handles items; the main thread maps items through it in order.
 */
import { initBackend } from '../core/backend.js';
import { UserError } from '../core/errors.js';
import { compiledTaskModule } from '../core/workers/dist-module.js';
import { mapInWorkers } from '../core/workers/worker-pool.js';
import { importCustomModules } from '../train/custom-imports.js';

/** What every model shard task's setup holds besides its own options (plain data: it crosses threads). */
export interface ModelShardSetup {
  /** The backend the main thread chose. */
  backend: string;
  /** The config's custom imports (absolute paths). */
  imports: string[];
  /** The weights to load (a file, or one of our training-checkpoint base paths). */
  checkpoint: string;
}

type Handler<I, O> = (item: I) => O | Promise<O>;

/** A task module's `createShardHandler`: backend, imports, then `build` (model, weights, the item handler). */
export function modelShardTask<S extends ModelShardSetup, I, O>(build: (setup: S) => Promise<Handler<I, O>>): (setup: S) => Promise<Handler<I, O>> {
  return async (setup) => {
    await initBackend(setup.backend, { quiet: true });
    await importCustomModules(setup.imports);
    return build(setup);
  };
}

/**
 * `items` through the compiled task module `sourcePath` (relative to the package root, under dist/) on
 * `workers` threads, in item order. Worker failures name the item; they reach the user as one-line errors.
 */
export async function* mapInShardTask<S extends ModelShardSetup, I, O>(sourcePath: string, setup: S, items: readonly I[], workers: number): AsyncGenerator<O> {
  const module = compiledTaskModule(sourcePath);
  try {
    yield* mapInWorkers<S, I, O>(items, { module, setup }, workers);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError((e as Error).message);
  }
}
