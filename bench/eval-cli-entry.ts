/**
 * `mila` with only coco-eval and seg-eval registered (the same command code). The evaluator bench falls
 * back to it when the full CLI cannot start because another command's module fails to load.
 */
import { Command } from 'commander';
import * as cocoEvalCmd from '../cli/commands/coco-eval.js';
import * as segEvalCmd from '../cli/commands/seg-eval.js';

const program = new Command().name('mila');
cocoEvalCmd.register(program);
segEvalCmd.register(program);
await program.parseAsync(process.argv);
