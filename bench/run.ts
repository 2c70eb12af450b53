#!/usr/bin/env node
/**
 * `npm run bench [-- --filter <substring>] [--backend <name>] [--runs <n>] [--vs-torch] [--profile] [--cpu-time]`
 *
 * Prints one JSON object per line per entry: {"name","backend","ms","runs","gflops","rss_mb","kernels"} — the
 * median wall time over >= `runs` timed runs after a warm-up, GFLOP/s over convolutions and matmuls,
 * the peak resident memory of the process that ran it, and whether our native kernels ran (and on how
 * many threads). Each entry runs in its own child process, so peaks and allocator state do not leak
 * between entries. Entries whose model is not in this build
 * print {"name","backend","skipped": why}.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../core/backend.js';
import { nativeStatus } from '../core/native/addon.js';
import { BENCH_ENTRIES } from './entries/index.js';
import { EntryUnavailable } from './entry.js';
import { profileRun } from './flop-count.js';
import { profileKernelsByCpuTime } from './kernel-profiler.js';
import { cpuClockMs, timeRuns } from './timing.js';

const TORCH_SCRIPT = fileURLToPath(new URL('../../bench/torch/run_torch.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

/**
 * Keep freed memory in the process instead of returning it to the OS, for us and for PyTorch alike:
 * in this VM each freshly faulted page costs ~9 us (issue 7 measured PyTorch this way).
 */
const ALLOCATOR_ENV = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: String(2 ** 40) };

/**
 * PyTorch's OpenMP threads sleep instead of spinning between ops: on this 2-vCPU VM a spinning thread slows the
 * other vCPU, and PyTorch ran 1.9x faster passive (2026-12-02: MILA-T 512² forward 1,145 -> 627 ms, training step
 * 3,666 -> 1,867 ms). Its best setting here, so the ratios compare against it.
 */
const TORCH_ENV = { OMP_WAIT_POLICY: 'PASSIVE' };

interface Options {
  filter?: string;
  backend: string;
  runs: number;
  vsTorch: boolean;
  profile: boolean;
  /** Time by this process's CPU time instead of wall time (for measuring on a shared, busy machine). */
  cpuTime: boolean;
}

function parse(): Options & { child?: string; list: boolean } {
  const { values } = parseArgs({
    options: {
      filter: { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      runs: { type: 'string', default: '5' },
      'vs-torch': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'cpu-time': { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      child: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 5) throw new Error(`bench: --runs must be an integer >= 5 (got ${values.runs})`);
  return { filter: values.filter, backend: values.backend!, runs, vsTorch: values['vs-torch']!, profile: values.profile!, cpuTime: values['cpu-time']!, list: values.list!, child: values.child };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Child mode: run one entry in this process and print its line. */
async function runChild(name: string, opts: Options): Promise<void> {
  const entry = BENCH_ENTRIES.find((e) => e.name === name);
  if (!entry) throw new Error(`bench: no entry named ${name}`);
  const backend = await initBackend(opts.backend, { quiet: true, training: name.includes('train_step') });
  let prepared;
  try {
    prepared = await entry.prepare();
  } catch (e) {
    if (e instanceof EntryUnavailable) {
      console.log(JSON.stringify({ name, backend, skipped: e.message }));
      return;
    }
    throw e;
  }
  const timing = timeRuns(() => prepared.run(), { warmup: 1, minRuns: opts.runs, maxRuns: Math.max(opts.runs, 20), budgetMs: 4000, clock: opts.cpuTime ? cpuClockMs : undefined });
  const profile = await profileRun(() => prepared.run());
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({
    name, backend, ms: round(timing.medianMs, 1), runs: timing.runs,
    gflops: profile.flops > 0 ? round(profile.flops / timing.medianMs / 1e6, 2) : null,
    rss_mb: Math.round(rssMb),
    kernels: backend === 'tensorflow' ? 'libtensorflow' : nativeStatus(),
    ...(opts.cpuTime ? { clock: 'cpu' } : {}),
  }));
  if (opts.profile) {
    const stats = profileKernelsByCpuTime(backend, () => prepared.run());
    const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const flopsOf = (k: string) => profile.byKernel.get(k)?.flops ?? 0;
    process.stderr.write(`profile ${name} (${backend}), CPU ms per kernel over one run:\n`);
    for (const [k, r] of rows.slice(0, 25)) {
      const gf = flopsOf(k) > 0 ? `  ${round(flopsOf(k) / r.ms / 1e6, 2)} GFLOP/s` : '';
      process.stderr.write(`  ${k.padEnd(36)} ${String(r.calls).padStart(5)} calls ${r.ms.toFixed(1).padStart(9)} ms${gf}\n`);
    }
  }
  prepared.dispose();
  void tf;
}

/** Run a command, echo its JSON lines, return the parsed lines. */
function runAndCollect(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...ALLOCATOR_ENV, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = out.split('\n').filter((l) => l.trim().startsWith('{'));
      for (const l of lines) console.log(l);
      if (code !== 0 && lines.length === 0) {
        const name = args[args.indexOf('--child') + 1] ?? args.join(' ');
        const last = err.trim().split('\n').pop() ?? '';
        console.log(JSON.stringify({ name, error: `exited with code ${code}${last ? `: ${last.slice(0, 200)}` : ''}` }));
      }
      resolve(lines.map((l) => JSON.parse(l) as Record<string, unknown>));
    });
  });
}

function torchAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(PYTHON)) return resolve(false);
    const p = spawn(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('close', (code) => resolve(code === 0));
  });
}

async function main(): Promise<void> {
  const opts = parse();
  if (opts.child) return runChild(opts.child, opts);
  const entries = BENCH_ENTRIES.filter((e) => !opts.filter || e.name.includes(opts.filter));
  if (opts.list) {
    for (const e of BENCH_ENTRIES) console.log(e.name);
    return;
  }
  if (entries.length === 0) throw new Error(`bench: no entry matches '${opts.filter}' (entries: ${BENCH_ENTRIES.map((e) => e.name).join(', ')})`);
  const withTorch = opts.vsTorch && (await torchAvailable());
  if (opts.vsTorch && !withTorch) process.stderr.write(`bench: --vs-torch skipped: '${PYTHON} -c "import torch"' fails\n`);
  const self = fileURLToPath(import.meta.url);
  for (const e of entries) {
    const args = [self, '--child', e.name, '--backend', opts.backend, '--runs', String(opts.runs), ...(opts.profile ? ['--profile'] : []), ...(opts.cpuTime ? ['--cpu-time'] : [])];
    const [ours] = await runAndCollect(process.execPath, args);
    if (!withTorch || !e.torch) continue;
    const [theirs] = await runAndCollect(PYTHON, [TORCH_SCRIPT, ...e.torch, '--name', e.name, '--threads', '2', '--runs', String(opts.runs), ...(opts.cpuTime ? ['--cpu-time'] : [])], TORCH_ENV);
    if (typeof ours?.ms === 'number' && typeof theirs?.ms === 'number') {
      console.log(JSON.stringify({ name: e.name, ratio_vs_torch: round(ours.ms / theirs.ms, 2), ours_ms: ours.ms, torch_ms: theirs.ms }));
    }
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
