import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { action, setupBackend } from '../action.js';
import { resolveCheckpointArg } from '../../tasks/checkpoint-arg.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { parseMilaModelArg } from '../../backbones/mila/config.js';
import { formatLoadReport, loadCheckpointsInto } from '../../core/checkpoint/load-into.js';
import { readNchwAsNhwc, toTorchHost } from '../../core/checkpoint/nchw-io.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import type { StateDict } from '../../core/host-tensor.js';

export interface ModelRunOptions {
  model: string;
  checkpoint?: string[];
  input: string;
  output: string;
  backend?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `mila features`: the detection backbone's multi-scale features for an NCHW input, as PyTorch would compute them. */
export function register(program: Command): void {
  program
    .command('features')
    .description('run the MILA detection backbone (eval mode) on tensor "input" (NCHW) of a .safetensors file; write out0..out3 (NCHW)')
    .requiredOption('--model <preset|json>', 'mila_t | mila_s | mila_b, or a JSON config such as \'{"embedDim":16,"depths":[1,1,2,1],"numHeads":[1,2,4,8]}\'')
    .option('--checkpoint <file>', 'weights (.pth, .safetensors or zoo:<name>); repeat to load several in order, later keys override earlier ones', collect)
    .requiredOption('--input <file>', '.safetensors holding "input" [batch, 3, H, W] float')
    .requiredOption('--output <file>', '.safetensors to write out<i> for each output stage i')
    .option('--backend <name>', 'auto | tensorflow-gpu | tensorflow | wasm | cpu')
    .action(
      action('features', async (opts: ModelRunOptions) => {
        const config = parseMilaModelArg(opts.model);
        if (opts.checkpoint) opts.checkpoint = await Promise.all(opts.checkpoint.map((c) => resolveCheckpointArg(c)));
        await setupBackend(opts);
        const x = readNchwAsNhwc(opts.input, 'input', config.inChans);
        const model = new MilaBackbone(config).eval();
        if (opts.checkpoint?.length) {
          for (const line of formatLoadReport(loadCheckpointsInto(model, opts.checkpoint))) console.log(line);
        } else {
          console.log('no --checkpoint: running with random initial weights');
        }
        const t0 = performance.now();
        const outs = model.forward(x);
        const out: StateDict = new Map();
        outs.forEach((o, k) => out.set(`out${config.outIndices[k]}`, toTorchHost(o)));
        const ms = performance.now() - t0;
        writeSafetensors(opts.output, out);
        tf.dispose([x, ...outs]);
        model.dispose();
        const shapes = [...out].map(([k, t]) => `${k} [${t.shape.join(', ')}]`).join(', ');
        console.log(`wrote ${opts.output}: ${shapes} (forward ${ms.toFixed(0)} ms)`);
      }),
    );
}
