#!/usr/bin/env node
import { Command } from 'commander';
import { BACKEND_ENV, BACKEND_NAMES } from '../core/backend.js';
import * as cocoEvalCmd from './commands/coco-eval.js';
import * as segEvalCmd from './commands/seg-eval.js';
import * as featuresCmd from './commands/features.js';
import * as classifyCmd from './commands/classify.js';
import * as paramsCmd from './commands/params.js';
import * as demoCmd from './commands/demo.js';
import * as makeDataCmd from './commands/make-data.js';
import * as segTestCmd from './commands/seg-test.js';
import * as trainCmd from './commands/train.js';
import * as testCmd from './commands/test.js';
import * as inferCmd from './commands/infer.js';
import * as startCmd from './commands/start.js';

const program = new Command();
program
  .name('mila')
  .description('MILA-Dense: dense prediction with the MILA backbone (Mask R-CNN, UperNet) on tfjs')
  .version('0.1.0')
  .addHelpText('after', `\nBackends: --backend ${BACKEND_NAMES.join('|')} on model commands, or ${BACKEND_ENV}=<name>.`);

// Each command lives in its own file under cli/commands and registers itself here.
const commands: { register(p: Command): void }[] = [featuresCmd, classifyCmd, paramsCmd, demoCmd, cocoEvalCmd, segEvalCmd, makeDataCmd, segTestCmd, trainCmd, testCmd, inferCmd, startCmd];
for (const c of commands) c.register(program);

await program.parseAsync(process.argv);
