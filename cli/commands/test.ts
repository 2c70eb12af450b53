import type { Command } from 'commander';
import { action, collectImport, IMPORT_HELP, setupBackend, type ImportOption } from '../action.js';
import { UserError } from '../../core/errors.js';
import { loadExperiment } from '../../train/experiment.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { createTask } from '../../tasks/create-task.js';
import { cliWorkerCount } from '../worker-count.js';

interface TestCliOptions extends ImportOption {
  eval?: string[];
  out?: string;
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
    .argument('<checkpoint>', 'weights: our .safetensors (or its training checkpoint base path), or an mmdet/mmseg .pth')
    .option('--eval <metric...>', 'metrics: bbox segm (detection) or mIoU (segmentation); default from the config')
    .option('--out <file>', 'write the raw results (COCO results JSON with bbox and segm as compressed RLE)')
    .option('--split <split>', 'val or test', 'test')
    .option('--limit <n>', 'evaluate only the first n images')
    .option('--set <key=value...>', 'override config keys', [])
    .option('--import <module>', IMPORT_HELP, collectImport, [] as string[])
    .option('--backend <name>', 'tfjs backend: auto|tensorflow-gpu|tensorflow|native|wasm|cpu')
    .option('--workers <n>', 'detection: worker threads sharing the images, each with its own backend and model (default: the number of cores; 1 = in this thread)')
    .option('--no-progress', 'no progress bar')
    .action(
      action('test', async (configArg: string, checkpoint: string, opts: TestCliOptions) => {
        if (opts.split !== 'val' && opts.split !== 'test') throw new UserError(`--split must be val or test, got '${opts.split}'`);
        const limit = opts.limit === undefined ? undefined : Number(opts.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UserError(`--limit must be a positive integer, got '${opts.limit}'`);
        const workers = cliWorkerCount(opts.workers);
        const cfg = loadExperiment(configArg, opts.set, opts.import);
        const backend = await setupBackend(opts);
        const task = await createTask(cfg);
        const report = loadModelWeights(task.model, checkpoint);
        if (report) process.stderr.write(`${report}\n`);
        const result = await task.evaluate({ split: opts.split, limit, out: opts.out ?? null, metrics: opts.eval, progress: opts.progress, workers: { count: workers, checkpoint, backend } });
        process.stdout.write(`${result.lines.join('\n')}\n`);
      }),
    );
}
