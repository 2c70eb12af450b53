import type { Command } from 'commander';
import { action, setupBackend } from '../action.js';
import type { Module } from '../../core/module.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { MilaClassifier } from '../../backbones/mila/classifier.js';
import { parseMilaModelArg } from '../../backbones/mila/config.js';

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
    .requiredOption('--model <preset|json>', 'mila_t | mila_s | mila_b, or a JSON config')
    .option('--classifier', 'the ImageNet classifier instead of the detection backbone')
    .option('--num-classes <n>', 'classes of the classifier head', '1000')
    .option('--backend <name>', 'auto | tensorflow-gpu | tensorflow | wasm | cpu', 'cpu')
    .action(
      action('params', async (opts: { model: string; classifier?: boolean; numClasses: string; backend?: string }) => {
        const config = parseMilaModelArg(opts.model);
        // Counting needs no fast kernels; cpu by default keeps it quiet and quick to start.
        await setupBackend(opts);
        const model = opts.classifier ? new MilaClassifier(config, Number(opts.numClasses)) : new MilaBackbone(config);
        printParamCounts(model);
        model.dispose();
      }),
    );
}
