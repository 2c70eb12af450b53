import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { action, setupBackend } from '../action.js';
import { MilaClassifier } from '../../backbones/mila/classifier.js';
import { parseMilaModelArg } from '../../backbones/mila/config.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { formatLoadReport, loadCheckpointsInto } from '../../core/checkpoint/load-into.js';
import { readNchwAsNhwc, toTorchHost } from '../../core/checkpoint/nchw-io.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors.js';
import { UserError } from '../../core/errors.js';
import type { ModelRunOptions } from './features.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `mila classify`: the ImageNet-style classifier (official models/mlla.py) on an NCHW input; writes `logits`. */
export function register(program: Command): void {
  program
    .command('classify')
    .description('run the MILA ImageNet classifier (eval mode) on tensor "input" (NCHW) of a .safetensors file; write "logits" [batch, classes]')
    .requiredOption('--model <preset|json>', 'mila_t | mila_s | mila_b, or a JSON config')
    .option('--checkpoint <file>', 'weights (.pth or .safetensors); repeatable, later keys override earlier ones', collect)
    .option('--num-classes <n>', 'classes of the head (default: from the checkpoint\'s head.weight, else 1000)')
    .requiredOption('--input <file>', '.safetensors holding "input" [batch, 3, H, W] float')
    .requiredOption('--output <file>', '.safetensors to write "logits" to')
    .option('--backend <name>', 'auto | tensorflow-gpu | tensorflow | wasm | cpu')
    .action(
      action('classify', async (opts: ModelRunOptions & { numClasses?: string }) => {
        const config = parseMilaModelArg(opts.model);
        let numClasses = 1000;
        if (opts.numClasses !== undefined) {
          numClasses = Number(opts.numClasses);
          if (!Number.isInteger(numClasses) || numClasses < 0) throw new UserError(`--num-classes must be a non-negative integer, got '${opts.numClasses}'`);
        } else if (opts.checkpoint?.length) {
          // The head's size is part of the checkpoint; read it rather than make the user repeat it.
          for (const f of opts.checkpoint) {
            const head = loadCheckpoint(f).get('head.weight');
            if (head) numClasses = head.shape[0]!;
          }
        }
        await setupBackend(opts);
        const x = readNchwAsNhwc(opts.input, 'input', config.inChans);
        const model = new MilaClassifier(config, numClasses).eval();
        if (opts.checkpoint?.length) {
          for (const line of formatLoadReport(loadCheckpointsInto(model, opts.checkpoint))) console.log(line);
        } else {
          console.log('no --checkpoint: running with random initial weights');
        }
        const logits = model.forward(x);
        const host = toTorchHost(logits);
        writeSafetensors(opts.output, new Map([['logits', host]]));
        const top = Array.from({ length: host.shape[0]! }, (_, b) => {
          const row = (host.data as Float32Array).subarray(b * numClasses, (b + 1) * numClasses);
          let best = 0;
          for (let k = 1; k < row.length; k++) if (row[k]! > row[best]!) best = k;
          return best;
        });
        tf.dispose([x, logits]);
        model.dispose();
        console.log(`wrote ${opts.output}: logits [${host.shape.join(', ')}]; top-1 class per image: ${top.join(', ')}`);
      }),
    );
}
