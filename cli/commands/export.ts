import type { Command } from 'commander';
import { action, setupBackend } from '../action.js';
import { loadExperiment } from '../../train/experiment.js';
import { exportExperiment } from '../../tasks/export-experiment.js';

interface ExportCliOptions {
  outDir: string;
  set: string[];
  backend?: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('write an mmdetection 2.x / mmsegmentation 0.x config.py and .pth weights that the official MLLA code trains and tests')
    .argument('<config>', 'preset name or config .json (as for mila train)')
    .argument('[checkpoint]', 'trained weights (.safetensors, training checkpoint base path, or .pth); default: the initial weights mila train starts from')
    .requiredOption('--out-dir <dir>', 'where config.py, model.pth and backbone.pth go')
    .option('--set <key=value...>', 'override config keys (as for mila train)', [])
    .option('--backend <name>', 'tfjs backend used to build the model: auto|tensorflow-gpu|tensorflow|wasm|cpu')
    .action(
      action('export', async (configArg: string, checkpoint: string | undefined, opts: ExportCliOptions) => {
        const cfg = loadExperiment(configArg, opts.set);
        await setupBackend(opts);
        const r = await exportExperiment(cfg, { checkpoint: checkpoint ?? null, outDir: opts.outDir });
        const tree = cfg.task === 'detection' ? 'detection' : 'segmentation';
        process.stdout.write(
          [
            `${r.configPath}: ${cfg.task === 'detection' ? 'mmdetection 2.x' : 'mmsegmentation 0.x'} config of ${cfg.name}`,
            `${r.modelPath}: ${r.numTensors} tensors (${checkpoint ?? 'initial weights'}), load_from of the config`,
            `${r.backbonePath}: the backbone's weights, its init_cfg`,
            `train: (cd MLLA/downstream/${tree} && bash tools/dist_train.sh ${r.configPath} <GPUs>)`,
            '',
          ].join('\n'),
        );
      }),
    );
}
