#!/usr/bin/env node
import { Command } from 'commander';
import { BACKEND_ENV, BACKEND_NAMES } from '../core/backend.js';

const program = new Command();
program
  .name('mila')
  .description('MILA-Dense: dense prediction with the MILA backbone (Mask R-CNN, UperNet) on tfjs')
  .version('0.1.0')
  .addHelpText('after', `\nBackends: --backend ${BACKEND_NAMES.join('|')} on model commands, or ${BACKEND_ENV}=<name>.`);

/**
 * Each command lives in its own file under cli/commands and exports `register(program)`. Only the
 * command being run is imported, so `mila coco-eval` does not pay for loading tfjs and sharp, and a
 * broken module cannot stop unrelated commands; help (or an unknown name) loads them all.
 */
const COMMANDS: Record<string, string> = {
  start: './commands/start.js',
  'make-data': './commands/make-data.js',
  train: './commands/train.js',
  test: './commands/test.js',
  infer: './commands/infer.js',
  'seg-test': './commands/seg-test.js',
  'coco-eval': './commands/coco-eval.js',
  'seg-eval': './commands/seg-eval.js',
  features: './commands/features.js',
  classify: './commands/classify.js',
  params: './commands/params.js',
  configs: './commands/configs.js',
  demo: './commands/demo.js',
};

const requested = process.argv[2];
const names = requested !== undefined && requested in COMMANDS ? [requested] : Object.keys(COMMANDS);
for (const name of names) {
  const mod = (await import(COMMANDS[name]!)) as { register(p: Command): void };
  mod.register(program);
}

await program.parseAsync(process.argv);
// A failed command has printed its one line: exit now, even if something (a worker thread, a pending timer) would
// keep the event loop alive.
if (process.exitCode) process.exit(process.exitCode);
