import type { Command } from 'commander';
import { action, collectImport, IMPORT_HELP, setupBackend, type ImportOption } from '../action.js';
import type { Module } from '../../core/module.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { MilaClassifier } from '../../backbones/mila/classifier.js';
import { parseMilaModelArg } from '../../backbones/mila/config.js';
import { UserError } from '../../core/errors.js';
import { loadExperiment } from '../../train/experiment.js';
import { importCustomModules } from '../../train/custom-imports.js';

/**
 * Parameter counts of any Module: one line per top-level child (PyTorch names, zero-parameter children
 * included), parameters registered on the module itself as `(own)`, and a last line `total <N>`.
 * Detectors and segmentors print through this too (a future `--config <name>`).
 */
export function paramCountLines(module: Module): string[] {
  const rows: [string, number][] = module.namedChildren().map(([name, child]) => [name, child.numParameters()]);
  const childTotal = rows.reduce((a, [, n]) => a + n, 0);
  const total = module.numParameters();
  if (total !== childTotal) rows.push(['(own)', total - childTotal]);
  const width = Math.max(5, ...rows.map(([n]) => n.length));
  return [...rows.map(([name, n]) => `${name.padEnd(width)} ${n}`), `total ${total}`];
}

export function printParamCounts(module: Module, write: (line: string) => void = (l) => console.log(l)): void {
  for (const line of paramCountLines(module)) write(line);
}

export function register(program: Command): void {
  program
    .command('params')
    .description('print the parameter count of each top-level module and the total (last line: total <N>)')
    .option('--model <preset|json>', 'mila_t | mila_s | mila_b, or a JSON config')
    .option('--config <name|json>', 'a whole segmentor/detector from an experiment config (e.g. upernet_mila_b_512x512_160k_ade20k)')
    .option('--classifier', 'the ImageNet classifier instead of the detection backbone')
    .option('--num-classes <n>', 'classes of the classifier head', '1000')
    .option('--import <module>', IMPORT_HELP, collectImport, [] as string[])
    .option('--backend <name>', 'auto | tensorflow-gpu | tensorflow | wasm | cpu', 'cpu')
    .action(
      action('params', async (opts: { model?: string; config?: string; classifier?: boolean; numClasses: string; backend?: string } & ImportOption) => {
        if ((opts.model === undefined) === (opts.config === undefined)) throw new UserError('give exactly one of --model and --config');
        if (opts.config !== undefined) {
          const exp = loadExperiment(opts.config, [], opts.import);
          await setupBackend(opts);
          await importCustomModules(exp.customImports);
          const model = await buildExperimentModel(exp);
          printParamCounts(model);
          model.dispose();
          return;
        }
        const config = parseMilaModelArg(opts.model!);
        // Counting needs no fast kernels; cpu by default keeps it quiet and quick to start.
        await setupBackend(opts);
        const model = opts.classifier ? new MilaClassifier(config, Number(opts.numClasses)) : new MilaBackbone(config);
        printParamCounts(model);
        model.dispose();
      }),
    );
}

/** The model of an experiment config, without its data (imported lazily: counting one task never loads the other). */
async function buildExperimentModel(exp: ReturnType<typeof loadExperiment>): Promise<Module> {
  if (exp.task === 'segmentation') {
    const { EncoderDecoder } = await import('../../models/segmentor/encoder-decoder.js');
    return new EncoderDecoder(exp.model as import('../../models/segmentor/encoder-decoder.js').EncoderDecoderConfig);
  }
  const { MaskRCNN } = await import('../../models/detector/mask-rcnn.js');
  return new MaskRCNN(exp.model as import('../../models/detector/mask-rcnn-config.js').MaskRCNNConfig);
}
