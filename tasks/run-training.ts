import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolveCheckpointArg } from './checkpoint-arg.js';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { ExperimentConfig } from '../configs/types.js';
import { writeOutputFile } from '../core/output-file.js';
import { lockWorkDir, type WorkDirLock } from '../core/io/work-dir-lock.js';
import { manualSeed } from '../core/rng.js';
import { describeLoad, loadBackboneWeights } from '../train/experiment.js';
import { Runner, lastCheckpointIn, type RunResult } from '../train/runner.js';
import type { TaskRuntime } from './task.js';
import { createTask } from './create-task.js';
import { importCustomModules } from '../train/custom-imports.js';

export interface TrainOptions {
  workDir: string;
  /** true: the last checkpoint of the work dir; a string: that checkpoint. */
  resume?: boolean | string;
  progress?: boolean;
  log?: (line: string) => void;
  /** Stop after this many iterations (simulated interruption, for tests). */
  stopAtIter?: number;
  /** Wall-clock deadline (ms since the epoch) after which training stops early. */
  deadline?: number;
  /** Skip the periodic evaluation hook (the caller evaluates afterwards). */
  noEval?: boolean;
}

export interface TrainOutcome {
  task: TaskRuntime<unknown>;
  result: RunResult;
  workDir: string;
  /** The final checkpoint's base path (`<workDir>/epoch_N` / `iter_N`), or null if none was written. */
  lastCheckpoint: string | null;
}

/**
 * `mila train` as a function: seed, build the task's model and data, load backbone weights or resume, run the
 * runner with the task's evaluation as its hook. The resolved config is written to `<workDir>/config.json`,
 * which `mila test` and `mila infer` accept in place of a preset name. The work dir is locked for the run (a
 * second run there is refused naming the first; see core/io/work-dir-lock.ts), and released on every path.
 */
export async function runTraining(cfg: ExperimentConfig, opts: TrainOptions): Promise<TrainOutcome> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  mkdirSync(opts.workDir, { recursive: true });
  const lock = lockWorkDir(opts.workDir, log);
  try {
    return await trainInLockedDir(cfg, opts, log, lock);
  } finally {
    lock.release();
  }
}

async function trainInLockedDir(cfg: ExperimentConfig, opts: TrainOptions, log: (line: string) => void, lock: WorkDirLock): Promise<TrainOutcome> {
  writeOutputFile(join(opts.workDir, 'config.json'), `${JSON.stringify(cfg, null, 2)}\n`);

  let resumeFrom: string | null = null;
  if (opts.resume === true) {
    resumeFrom = lastCheckpointIn(opts.workDir);
    if (!resumeFrom) throw new UserError(`--resume: no checkpoint in ${opts.workDir} (it has no last_checkpoint file)`);
  } else if (typeof opts.resume === 'string') {
    resumeFrom = opts.resume;
    if (!existsSync(resumeFrom) && !existsSync(`${resumeFrom}.json`)) throw new UserError(`--resume: checkpoint not found: ${resumeFrom}`);
  }

  // Before seeding: a custom module may draw from the global Rng when it loads; the model's init must not see that.
  await importCustomModules(cfg.customImports ?? []);
  manualSeed(cfg.seed);
  const task = await createTask(cfg);
  if (!resumeFrom && cfg.backboneWeights) {
    // config.json keeps a zoo:<name> as it is: the cache serves it again on a repeated run.
    const file = await resolveCheckpointArg(cfg.backboneWeights, { progress: opts.progress });
    log(describeLoad(`loaded ${cfg.backboneWeights} into backbone`, loadBackboneWeights(task.model, file)));
  }
  const data = await task.trainData();
  // From here the data may hold loader worker threads: every exit path, a refused config included, closes
  // them, or the process would stay alive after its error.
  let runner: Runner<unknown> | null = null;
  let failed = false;
  try {
    for (const note of (data as Partial<{ notes: string[] }>).notes ?? []) log(note);
    log(`${cfg.name}: ${task.model.numParameters().toLocaleString('en-US')} parameters, ${data.batchesPerEpoch} batches per epoch of ${cfg.data.samplesPerGpu}, runner ${cfg.runner.type} x ${cfg.runner.max}`);
    runner = new Runner({
      model: task.model,
      data,
      config: cfg,
      workDir: opts.workDir,
      resumeFrom,
      stopAtIter: opts.stopAtIter,
      deadline: opts.deadline,
      log,
      progressBar: opts.progress ?? true,
      // The lock's heartbeat, between iterations (another host judges the lock stale by it).
      hooks: [{ afterTrainIter: () => lock.heartbeat() }],
      evaluate: opts.noEval ? undefined : async () => {
        const report = await task.evaluate({ split: 'val', progress: opts.progress ?? true });
        for (const line of report.lines) log(line);
        return report.metrics;
      },
    });
    const result = await runner.run();
    return { task, result, workDir: opts.workDir, lastCheckpoint: result.checkpoints.at(-1) ?? lastCheckpointIn(opts.workDir) };
  } catch (err) {
    failed = true;
    // After a WebAssembly trap (memory access out of bounds, Aborted()) the backend's heap cannot be trusted:
    // freeing tensors there can spin forever. The process is about to end, so the optimizer is left as it is.
    if (err instanceof WebAssembly.RuntimeError || (err instanceof Error && err.cause instanceof WebAssembly.RuntimeError)) runner = null;
    throw err;
  } finally {
    // The loader's worker threads first: left running they keep the process alive after an error.
    await data.close?.();
    try {
      runner?.dispose();
    } catch (e) {
      // After a failed step (a wasm abort leaves the heap unusable) freeing can fail too; the first error is the one to report.
      if (!failed) throw e;
    }
  }
}
