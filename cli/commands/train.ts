import { join } from 'node:path';
import type { Command } from 'commander';
import { action, collectImport, IMPORT_HELP, setupBackend, type ImportOption } from '../action.js';
import { loadExperiment } from '../../train/experiment.js';
import { runTraining } from '../../tasks/run-training.js';
import { formatDuration } from '../../train/progress.js';

interface TrainCliOptions extends ImportOption {
  workDir?: string;
  resume?: boolean | string;
  backboneWeights?: string;
  set: string[];
  backend?: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command('train')
    .description('train a model from a config (a preset name, see `mila configs`, or a config JSON file)')
    .argument('<config>', 'preset name or path to a config .json')
    .option('--work-dir <dir>', 'checkpoints, logs and the resolved config go here (default work_dirs/<config name>)')
    .option('--resume [checkpoint]', 'continue exactly where a run stopped: the given checkpoint, or the last one in the work dir')
    .option('--backbone-weights <file>', 'ImageNet checkpoint (.pth/.safetensors, or zoo:mila_t_in1k ...) loaded into backbone.* before training')
    .option('--set <key=value...>', 'override config keys, e.g. --set optimizer.lr=2e-4 runner.max=2 (values parsed as JSON)', [])
    .option('--import <module>', IMPORT_HELP, collectImport, [] as string[])
    .option('--backend <name>', 'tfjs backend: auto|tensorflow-gpu|tensorflow|native|wasm|cpu')
    .option('--no-progress', 'no progress bar (log lines only)')
    .action(
      action('train', async (configArg: string, opts: TrainCliOptions) => {
        const cfg = loadExperiment(configArg, opts.set, opts.import);
        if (opts.backboneWeights) cfg.backboneWeights = opts.backboneWeights;
        await setupBackend(opts, true);
        const workDir = opts.workDir ?? join('work_dirs', cfg.name);
        const out = await runTraining(cfg, { workDir, resume: opts.resume, progress: opts.progress });
        const last = out.result.evals.at(-1);
        process.stdout.write(
          `trained ${cfg.name}: ${out.result.iter} iterations in ${formatDuration(out.result.seconds)}` +
            `${last ? `; last evaluation: ${Object.entries(last.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}` : ''}\n` +
            `checkpoint: ${out.lastCheckpoint ? `${out.lastCheckpoint}.safetensors` : 'none written'}; config: ${join(workDir, 'config.json')}\n`,
        );
      }),
    );
}
