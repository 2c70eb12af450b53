#!/usr/bin/env node
import { Command } from 'commander';
import { BACKEND_ENV, BACKEND_NAMES } from '../core/backend.js';
import { formatError } from '../core/errors.js';

// An error nobody awaited (a rejected promise, an exception in a callback) ends the command like any other
// failure: one line and exit code 1, not a stack trace or a process left running.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err: unknown) => {
    process.stderr.write(`mila ${process.argv[2] ?? ''}: ${formatError(err)}\n`);
    if (process.env.MILA_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
    process.exit(1);
  });
}

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
  export: './commands/export.js',
  demo: './commands/demo.js',
  zoo: './commands/zoo.js',
};

const requested = process.argv[2];
const names = requested !== undefined && requested in COMMANDS ? [requested] : Object.keys(COMMANDS);
for (const name of names) {
  const mod = (await import(COMMANDS[name]!)) as { register(p: Command): void };
  mod.register(program);
}

await program.parseAsync(process.argv);
// The command is done and its error, if any, printed (cli/action.ts). Pools and loaders close themselves on
// every path; this exit is the backstop for anything a library may still have scheduled, so that a finished
// job (failed or not) always ends and a scheduler sees its exit code. stdout/stderr writes are synchronous
// for files and pipes on Linux, so nothing printed is lost.
process.exit(process.exitCode ?? 0);
