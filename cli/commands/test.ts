import type { Command } from 'commander';
import { action, collectImport, IMPORT_HELP, setupBackend, type ImportOption } from '../action.js';
import { resolveCheckpointArg } from '../../tasks/checkpoint-arg.js';
import { UserError } from '../../core/errors.js';
import { loadExperiment } from '../../train/experiment.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { createTask } from '../../tasks/create-task.js';
import { cliWorkerCount } from '../worker-count.js';
import { noShardOption, openShardOutput, shardOption, shardsOption, resolveShard, type ShardCliOptions } from '../shard-option.js';
import { runTestShard } from '../../tasks/sharding/test-shard.js';
import type { EvalOptions } from '../../tasks/task.js';

interface TestCliOptions extends ImportOption, ShardCliOptions {
  eval?: string[];
  out?: string;
  outDir?: string;
  split: string;
  limit?: string;
  set: string[];
  backend?: string;
  workers?: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command('test')
    .description('evaluate a checkpoint on the val/test split: pycocotools tables for bbox/segm (detection), mIoU (segmentation)')
    .argument('<config>', 'preset name or config .json (e.g. work_dirs/<name>/config.json)')
    .argument('<checkpoint>', 'weights: our .safetensors (or its training checkpoint base path), an mmdet/mmseg .pth, or zoo:<name> (mila zoo)')
    .option('--eval <metric...>', 'metrics: bbox segm (detection) or mIoU (segmentation)')
    .option('--out <file>', 'write the raw results (COCO results JSON with bbox and segm as compressed RLE)')
    .option('--split <split>', 'val or test', 'test')
    .option('--limit <n>', 'evaluate only the first n images')
    .option('--set <key=value...>', 'override config keys', [])
    .option('--import <module>', IMPORT_HELP, collectImport, [] as string[])
    .option('--backend <name>', 'tfjs backend: auto|tensorflow-gpu|tensorflow|native|wasm|cpu')
    .option('--workers <n>', 'detection: worker threads sharing the images, each with its own backend and model (default: the number of cores; 1 = in this thread)')
    .option('--no-progress', 'no progress bar')
    .option('--out-dir <dir>', 'with --shard (or a scheduler index): the folder all shards write their results into')
    .addOption(shardOption())
    .addOption(shardsOption())
    .addOption(noShardOption())
    .action(
      action('test', async (configArg: string, checkpointArg: string, opts: TestCliOptions) => {
        if (opts.split !== 'val' && opts.split !== 'test') throw new UserError(`--split must be val or test, got '${opts.split}'`);
        const limit = opts.limit === undefined ? undefined : Number(opts.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UserError(`--limit must be a positive integer, got '${opts.limit}'`);
        const workers = cliWorkerCount(opts.workers);
        const shard = resolveShard(opts);
        if (shard && opts.out) throw new UserError('--out is the results file of one run; shards write into --out-dir, and `mila merge DIR --out FILE` writes the merged file');
        if (!shard && opts.outDir) throw new UserError('--out-dir is the folder of a sharded run: add --shard i/N (or run under a scheduler); for one run, use --out FILE');
        // As mmdet's tools/test.py: a run that neither evaluates nor writes anything is a mistake, not a no-op. A shard
        // always writes its part (evaluated by mila merge, with --eval or the config's metrics).
        if (!shard && !opts.eval && !opts.out) throw new UserError('specify at least one operation: --eval <metrics> (bbox segm, or mIoU) and/or --out <file>');
        const cfg = loadExperiment(configArg, opts.set, opts.import);
        const backend = await setupBackend(opts);
        const checkpoint = await resolveCheckpointArg(checkpointArg, { progress: opts.progress });
        const output = shard ? openShardOutput(shard, opts.outDir, 'test', cfg, checkpoint) : null;
        const task = await createTask(cfg);
        const report = loadModelWeights(task.model, checkpoint);
        if (report) process.stderr.write(`${report}\n`);
        const evalOpts: EvalOptions = { split: opts.split, limit, out: opts.out ?? null, metrics: opts.eval ?? (shard ? undefined : []), progress: opts.progress, workers: { count: workers, checkpoint, backend } };
        if (output) {
          process.stdout.write(`${await runTestShard(task, output, { ...evalOpts, backend })}\n`);
          return;
        }
        const result = await task.evaluate(evalOpts);
        process.stdout.write(`${result.lines.join('\n')}\n`);
      }),
    );
}
