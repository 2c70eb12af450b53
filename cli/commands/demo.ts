import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { action, setupBackend } from '../action.js';
import { UserError } from '../../core/errors.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { parseMilaModelArg } from '../../backbones/mila/config.js';
import { formatLoadReport, loadCheckpointsInto } from '../../core/checkpoint/load-into.js';

/** ImageNet normalisation, as the official MLLA and mmdet configs use (RGB, 0..255 scale). */
const MEAN = [123.675, 116.28, 103.53];
const STD = [58.395, 57.12, 57.375];

/** A synthetic street-ish scene of shapes, rendered by sharp (librsvg) so the demo needs no files. */
function sceneSvg(w: number, h: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#7fb2e5"/><stop offset="1" stop-color="#e8f1fa"/></linearGradient></defs>
  <rect width="${w}" height="${h}" fill="url(#sky)"/>
  <rect y="${h * 0.62}" width="${w}" height="${h * 0.38}" fill="#5b7d3a"/>
  <circle cx="${w * 0.82}" cy="${h * 0.18}" r="${h * 0.09}" fill="#ffd84a"/>
  <rect x="${w * 0.1}" y="${h * 0.35}" width="${w * 0.22}" height="${h * 0.3}" fill="#b5523b"/>
  <polygon points="${w * 0.08},${h * 0.36} ${w * 0.21},${h * 0.2} ${w * 0.34},${h * 0.36}" fill="#6b2f24"/>
  <rect x="${w * 0.18}" y="${h * 0.5}" width="${w * 0.05}" height="${h * 0.15}" fill="#3b2a1a"/>
  <rect x="${w * 0.45}" y="${h * 0.55}" width="${w * 0.3}" height="${h * 0.12}" rx="${h * 0.03}" fill="#c62f2f"/>
  <circle cx="${w * 0.51}" cy="${h * 0.68}" r="${h * 0.04}" fill="#222"/>
  <circle cx="${w * 0.69}" cy="${h * 0.68}" r="${h * 0.04}" fill="#222"/>
  <ellipse cx="${w * 0.9}" cy="${h * 0.55}" rx="${w * 0.05}" ry="${h * 0.14}" fill="#2f6b2f"/>
</svg>`;
}

/** Render the scene at size x size, normalise, and return it as a [1, size, size, 3] NHWC tensor. */
async function sceneTensor(size: number): Promise<tf.Tensor4D> {
  const rgb = await sharp(Buffer.from(sceneSvg(640, 480))).resize(size, size, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  const data = new Float32Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (rgb[i]! - MEAN[i % 3]!) / STD[i % 3]!;
  return tf.tensor4d(data, [1, size, size, 3]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `mila demo` (what `npm start` runs until the detector lands): the backbone on a rendered image, with timings. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('build a MILA backbone, render an RGB scene with sharp, run it at several sizes and print feature shapes and timings')
    .option('--model <preset|json>', 'mila_t | mila_s | mila_b, or a JSON config', 'mila_t')
    .option('--checkpoint <file>', 'optional weights (.pth or .safetensors); repeatable', collect)
    .option('--sizes <list>', 'square input sizes, comma-separated', '224,512')
    .option('--runs <n>', 'timed runs per size (after one warm-up); the median is printed', '3')
    .option('--backend <name>', 'auto | tensorflow-gpu | tensorflow | wasm | cpu')
    .action(
      action('demo', async (opts: { model: string; checkpoint?: string[]; sizes: string; runs: string; backend?: string }) => {
        const sizes = opts.sizes.split(',').map((s) => Number(s.trim()));
        if (sizes.some((s) => !Number.isInteger(s) || s < 32 || s > 4096)) throw new UserError(`--sizes must be integers in 32..4096, got '${opts.sizes}'`);
        const runs = Number(opts.runs);
        if (!Number.isInteger(runs) || runs < 1) throw new UserError(`--runs must be a positive integer, got '${opts.runs}'`);
        const config = parseMilaModelArg(opts.model);
        const backend = await setupBackend(opts);
        const t0 = performance.now();
        const model = new MilaBackbone(config).eval();
        console.log(`MILA backbone ${opts.model}: ${model.numParameters().toLocaleString('en')} parameters, built in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${backend}`);
        if (opts.checkpoint?.length) {
          for (const line of formatLoadReport(loadCheckpointsInto(model, opts.checkpoint))) console.log(line);
        } else {
          console.log('weights: random initialisation (official recipe); pass --checkpoint to load trained weights');
        }
        console.log(`outputs declared: ${model.outShapes.map((s) => `${s.channels}ch/stride ${s.stride}`).join(', ')}`);
        for (const size of sizes) {
          const x = await sceneTensor(size);
          const times: number[] = [];
          let summary = '';
          for (let r = 0; r <= runs; r++) {
            const start = performance.now();
            const outs = model.forward(x);
            // Reading the results back is part of the work: it waits for the backend to finish.
            const stats = outs.map((o) => {
              const v = o.dataSync();
              let sum = 0;
              let sq = 0;
              for (let i = 0; i < v.length; i++) {
                sum += v[i]!;
                sq += v[i]! * v[i]!;
              }
              const mean = sum / v.length;
              return { shape: o.shape, mean, std: Math.sqrt(Math.max(sq / v.length - mean * mean, 0)) };
            });
            if (r > 0) times.push(performance.now() - start);
            summary = stats.map((s, k) => `  out${config.outIndices[k]} [${s.shape.join(', ')}] mean ${s.mean.toFixed(4)} std ${s.std.toFixed(4)}`).join('\n');
            tf.dispose(outs);
          }
          x.dispose();
          console.log(`input ${size}x${size}: forward median ${median(times).toFixed(0)} ms over ${runs} run(s) (+1 warm-up)\n${summary}`);
        }
        model.dispose();
      }),
    );
}
