#!/usr/bin/env node
/**
 * `npm run bench:browser [-- --runs 5] [--checkpoint <main-job .safetensors>] [--image <file>] [--webgl]
 *   [--timeout-min 10] [--screenshot docs/browser-page.png [--screenshot-only]]`
 *
 * The MILA-T 512x512 backbone forward (`mila_t.forward.512`, as `npm run bench`) and the main job's Mask R-CNN
 * inference on one image (`main_job.infer`: test pipeline, model, post-processing, masks) in headless Chromium
 * (wasm with SIMD, 1 thread = tfjs' default here and 2 threads; WebGPU where offered) against Node (wasm with our
 * native kernels, and without them: MILA_NATIVE=0). Every variant warms up once, then runs `--runs` times;
 * printed: median wall ms and CPU ms per run (Node: process.cpuUsage; Chromium: all its processes, from /proc),
 * with the load average, since the machine may be shared. Needs `npm run build` (dist/) and Chromium.
 * The checkpoint defaults to work_dirs/main_job's last one (`npm start`), else the seeded initial weights;
 * the image to the first synthetic val image, converted to PNG so that both sides decode the same pixels.
 * A browser workload that takes longer than `--timeout-min` (WebGPU and WebGL emulated on the CPU by SwiftShader
 * can) is reported as such. Progress goes to stderr, the JSON lines and a Markdown table to stdout.
 * The screenshot (the page running the main job's model with backend `auto`) is taken first, in a Chromium of its
 * own: a WebGPU workload that timed out keeps the GPU process busy, and `auto` probes WebGPU there.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { browserCpuMs, findChromium, launchChromium } from './chromium.mjs';
import { buildWeb } from './web-build.mjs';
import { startWebServer } from './web-server.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const SELF = fileURLToPath(import.meta.url);
const SCREENSHOT_WIDTH = 900;

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    checkpoint: { type: 'string' },
    image: { type: 'string' },
    webgl: { type: 'boolean', default: false },
    screenshot: { type: 'string' },
    'screenshot-only': { type: 'boolean', default: false },
    'timeout-min': { type: 'string', default: '10' },
    'node-child': { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const TIMEOUT_MS = Number(args['timeout-min']) * 60_000;
const progress = (msg) => process.stderr.write(`bench:browser: ${msg}\n`);

/** A page call that gives up after TIMEOUT_MS (the page is closed by the caller then). */
function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`over ${args['timeout-min']} min (${what})`)), TIMEOUT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Node side, in a child process per variant: the page's workloads through dist/ (same code as web/src/bench.ts). */
async function nodeChild(name) {
  const tf = await import('@tensorflow/tfjs-core');
  const { initBackend } = await import(`${DIST}/core/backend.js`);
  const { nativeStatus } = await import(`${DIST}/core/native/addon.js`);
  const { MilaBackbone, Rng, buildModel, loadWeights, predict } = await import(`${DIST}/browser/index.js`);
  const { decodeImageFile } = await import(`${DIST}/datasets/image/decode-image.js`);
  await initBackend('wasm', { quiet: true });
  let run;
  if (name === 'mila_t.forward.512') {
    const backbone = new MilaBackbone('mila_t').eval();
    const rng = new Rng(0);
    const x = tf.tensor4d(Float32Array.from({ length: 512 * 512 * 3 }, () => rng.normal()), [1, 512, 512, 3]);
    run = () => {
      const outs = backbone.forward(x);
      outs[outs.length - 1].dataSync();
      tf.dispose(outs);
    };
  } else {
    const image = await decodeImageFile(process.env.BENCH_IMAGE);
    const m = buildModel('mask_rcnn_mila_main_job');
    if (process.env.BENCH_CHECKPOINT) loadWeights(m, process.env.BENCH_CHECKPOINT, readFileSync(process.env.BENCH_CHECKPOINT));
    run = () => predict(m, image);
  }
  run();
  const wall = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    run();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  console.log(JSON.stringify({ wall, cpu, kernels: nativeStatus() }));
}

function runNode(name, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--node-child', name, '--runs', String(RUNS)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`node ${name} exited with ${code}`))));
  });
}

function defaultCheckpoint() {
  const dir = path.join(ROOT, 'work_dirs/main_job');
  const last = path.join(dir, 'last_checkpoint');
  if (!existsSync(last)) return null;
  const base = readFileSync(last, 'utf8').trim();
  const file = path.isAbsolute(base) ? `${base}.safetensors` : path.join(dir, `${path.basename(base)}.safetensors`);
  return existsSync(file) ? file : null;
}

function defaultImage() {
  const dir = path.join(ROOT, 'data/synthetic_coco/val2017');
  if (!existsSync(dir)) throw new Error('no image: pass --image, or run `npm start` once (it writes data/synthetic_coco)');
  return path.join(dir, readdirSync(dir).sort()[0]);
}

async function browserVariant(chrome, server, v, files) {
  const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}?${new URLSearchParams(v.threads ? { threads: String(v.threads) } : {})}`);
  await page.waitForFunction(() => window.__milaBench !== undefined);
  const results = {};
  let timedOut = false;
  for (const name of ['mila_t.forward.512', 'main_job.infer']) {
    if (timedOut) {
      results[name] = { skipped: 'not run: the previous workload timed out' };
      continue;
    }
    progress(`chromium ${v.backend}${v.threads ? ` (${v.threads} threads)` : ''}: ${name}`);
    try {
      const description = await withTimeout(page.evaluate((req) => window.__milaBench.prepare(req), { name, backend: v.backend, image: files.image, checkpoint: files.checkpoint }), 'warm-up run');
      const c0 = browserCpuMs(chrome.pid);
      const wall = await withTimeout(page.evaluate((n) => window.__milaBench.run(n), RUNS), `${RUNS} runs`);
      const c1 = browserCpuMs(chrome.pid);
      results[name] = { description, wall, cpuPerRun: c0 === null ? null : (c1 - c0) / RUNS };
    } catch (e) {
      timedOut = String(e.message).startsWith('over ');
      results[name] = { skipped: String(e.message ?? e).split('\n')[0] };
    }
  }
  await page.close({ runBeforeUnload: false }).catch(() => {});
  return results;
}

async function main() {
  if (!existsSync(path.join(DIST, 'browser/index.js'))) throw new Error('dist/ is missing or stale: run `npm run build` first');
  const chromium = findChromium();
  if (!chromium.path) throw new Error(chromium.why);
  const work = mkdtempSync(path.join(tmpdir(), 'mila-bench-browser-'));
  const checkpoint = args.checkpoint ?? defaultCheckpoint();
  const imagePng = path.join(work, 'image.png');
  await sharp(args.image ?? defaultImage()).removeAlpha().png().toFile(imagePng);
  if (checkpoint) execFileSync('cp', [checkpoint, path.join(work, 'checkpoint.safetensors')]);
  const env = { BENCH_IMAGE: imagePng, BENCH_CHECKPOINT: checkpoint ?? '' };
  const load0 = loadavg();
  const rows = [];
  const row = (where, variant, name, r) => {
    const line = r.skipped
      ? { where, variant, name, skipped: r.skipped }
      : { where, variant, name, wallMs: Math.round(median(r.wall)), cpuMs: r.cpu ? Math.round(median(r.cpu)) : r.cpuPerRun === null ? null : Math.round(r.cpuPerRun), runs: r.wall.length };
    rows.push(line);
    console.log(JSON.stringify(line));
  };

  const site = await buildWeb({ outdir: path.join(work, 'site') });
  const server = await startWebServer({ root: site, files: work });
  const files = { image: '/files/image.png', checkpoint: checkpoint ? '/files/checkpoint.safetensors' : undefined };
  try {
    if (args.screenshot) await screenshot(chromium.path, server, files, path.resolve(args.screenshot)).catch((e) => progress(`no screenshot: ${String(e.message ?? e).split('\n')[0]}`));
    if (!args['screenshot-only']) await measureAll(chromium.path, server, files, env, row);
  } finally {
    await server.close();
    const load1 = loadavg();
    console.log(JSON.stringify({ loadavg: { before: load0.map((x) => x.toFixed(1)), after: load1.map((x) => x.toFixed(1)) }, checkpoint: checkpoint ?? 'seeded initial weights', image: args.image ?? defaultImage() }));
    console.log('\n| where | backend | entry | wall ms (median) | CPU ms per run |\n|---|---|---|---:|---:|');
    for (const r of rows) console.log(`| ${r.where} | ${r.variant} | ${r.name} | ${r.skipped ? `skipped: ${r.skipped}` : r.wallMs} | ${r.skipped ? '' : r.cpuMs ?? '—'} |`);
  }
}

/** The page running the main job's model on the image with backend `auto`, as a user sees it. */
async function screenshot(chromiumPath, server, files, file) {
  progress(`screenshot: ${file}`);
  const chrome = await launchChromium(chromiumPath);
  try {
    const page = await chrome.browser.newPage({ viewport: { width: 1180, height: 720 } });
    await page.goto(`${server.url}?${new URLSearchParams({ model: 'mask_rcnn_mila_main_job', backend: 'auto', image: files.image, ...(files.checkpoint ? { checkpoint: files.checkpoint } : {}), run: '1' })}`);
    await page.waitForFunction(() => window.__milaResult !== undefined, null, { timeout: TIMEOUT_MS });
    // The whole page (image, timings, backend), scaled to a README's width as a palette PNG (a tenth of the bytes).
    const shot = await page.screenshot({ fullPage: true });
    await sharp(shot).resize({ width: SCREENSHOT_WIDTH, withoutEnlargement: true }).png({ palette: true, effort: 10 }).toFile(file);
    console.log(JSON.stringify({ screenshot: file, result: await page.evaluate(() => window.__milaResult) }));
  } finally {
    await chrome.close();
  }
}

/** Node's variants (a child process each), then the browser's (one page each, in one Chromium). */
async function measureAll(chromiumPath, server, files, env, row) {
  for (const [variant, e] of [['wasm + native kernels', {}], ['wasm (MILA_NATIVE=0)', { MILA_NATIVE: '0' }]]) {
    for (const name of ['mila_t.forward.512', 'main_job.infer']) {
      progress(`node ${variant}: ${name}`);
      const r = await runNode(name, { ...env, ...e });
      row('node', `${variant}: ${r.kernels}`, name, r);
    }
  }
  const chrome = await launchChromium(chromiumPath);
  try {
    const variants = [{ backend: 'wasm' }, { backend: 'wasm', threads: 2 }, { backend: 'webgpu' }, ...(args.webgl ? [{ backend: 'webgl' }] : [])];
    for (const v of variants) {
      const results = await browserVariant(chrome, server, v, files);
      for (const [name, r] of Object.entries(results)) row('chromium', r.description ?? v.backend, name, r);
    }
  } finally {
    await chrome.close();
  }
}

if (args['node-child']) await nodeChild(args['node-child']);
else await main();
