#!/usr/bin/env node
/**
 * `node dist/bench/workers-throughput.js [--images 8] [--size 224] [--backend wasm]`: MILA-T forward over
 * a list of images with 1 worker (this thread) and with one worker per core (core/workers), printing
 * one JSON line each: {"name","workers","images","ms_per_image","wall_ms"}. Model build and backend start
 * are included once per worker, as a CLI run pays them.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Rng } from '../core/rng.js';
import { defaultWorkerCount, mapInWorkers } from '../core/workers/worker-pool.js';
import type { BackboneShardSetup } from './backbone-shard-task.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '8' }, size: { type: 'string', default: '224' }, backend: { type: 'string', default: 'wasm' } } });
const n = Number(values.images);
const size = Number(values.size);
const rng = new Rng(0);
const images = Array.from({ length: n }, () => Float32Array.from({ length: size * size * 3 }, () => rng.normal()));
const task = { module: fileURLToPath(new URL('./backbone-shard-task.js', import.meta.url)), setup: { backend: values.backend!, size } satisfies BackboneShardSetup };
for (const workers of [...new Set([1, defaultWorkerCount()])]) {
  const t0 = performance.now();
  let count = 0;
  for await (const _ of mapInWorkers(images, task, workers)) count++;
  const wall = performance.now() - t0;
  console.log(JSON.stringify({ name: `mila_t.forward.${size}.throughput`, workers, images: count, ms_per_image: Math.round(wall / count), wall_ms: Math.round(wall) }));
}
