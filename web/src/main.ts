/**
 * The web page: drop an image and a checkpoint, pick a model and a backend, see the detections or the
 * segmentation on a canvas with timings. Everything runs in the page through `mila-dense/browser`.
 *
 * URL parameters (the browser test drives the page with them): `model` (a config name), `backend`, `threads`
 * (wasm), `image` and `checkpoint` (URLs), `thr` (score threshold of the picture), `run=1` (run once loaded).
 * Each run leaves a summary on `window.__milaResult`; `npm run bench:browser` uses `window.__milaBench`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import * as mila from '../../browser/index.js';
import {
  buildModel, configs, disposeModel, initBrowserBackend, loadWeights, predict,
  type BrowserBackendInfo, type BrowserBackendName, type BrowserModel, type HostImage, type Prediction,
} from '../../browser/index.js';
import { decodeImage } from './decode.js';
import { drawDetections, drawSegmentation } from './draw.js';
import { installBench } from './bench.js';
import { resultSummary, type PageResult } from './result.js';

declare global {
  interface Window {
    __milaResult?: PageResult;
    /** The browser entry and tfjs, to try things from the console. */
    mila: typeof mila & { tf: typeof tf };
  }
}

/** The two models the page is for, then every other preset. */
const FEATURED: Record<string, string> = {
  mask_rcnn_mila_main_job: 'Mask R-CNN, MILA (the main job: 5 synthetic shapes)',
  upernet_mila_micro_128x128_2k_ade20k: 'UperNet, MILA-micro (ADE20K classes)',
};
const WASM_PATHS = new URL('wasm/', location.href).href;
/** wasm threads: tfjs' default (half the logical cores) unless `threads=N` is in the URL. */
const WASM_THREADS = Number(new URLSearchParams(location.search).get('threads')) || undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const modelSelect = $<HTMLSelectElement>('model');
const backendSelect = $<HTMLSelectElement>('backend');
const canvas = $<HTMLCanvasElement>('view');
const statusLine = $<HTMLParagraphElement>('status');
const facts = $<HTMLDListElement>('facts');
const scoreThrInput = $<HTMLInputElement>('score-thr');

interface Checkpoint {
  name: string;
  bytes: ArrayBuffer;
}

const state: {
  backend?: BrowserBackendInfo;
  model?: BrowserModel;
  /** The checkpoint loaded into `model`, if any. */
  loaded?: Checkpoint;
  checkpoint?: Checkpoint;
  image?: { name: string; data: HostImage };
  busy: boolean;
} = { busy: false };

function setStatus(text: string, error = false): void {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', error);
}

function showFacts(rows: [string, string][]): void {
  facts.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    return [dt, dd];
  }));
}

const ms = (t: number) => `${t.toFixed(t < 100 ? 1 : 0)} ms`;

async function timed<T>(timings: Record<string, number>, name: string, f: () => T | Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await f();
  timings[name] = performance.now() - t0;
  return out;
}

/** Switch backend (rebuilding the model on the new one) when the selection changed. */
async function ensureBackend(timings: Record<string, number>): Promise<BrowserBackendInfo> {
  const wanted = backendSelect.value as BrowserBackendName | 'auto';
  if (state.backend && (wanted === 'auto' || wanted === state.backend.name)) return state.backend;
  state.backend = await timed(timings, 'backend', () => initBrowserBackend(wanted, { wasmPaths: WASM_PATHS, wasmThreads: WASM_THREADS }));
  if (state.model) {
    disposeModel(state.model);
    state.model = undefined;
    state.loaded = undefined;
  }
  return state.backend;
}

async function ensureModel(timings: Record<string, number>): Promise<BrowserModel> {
  const name = modelSelect.value;
  if (state.model?.config.name !== name) {
    if (state.model) disposeModel(state.model);
    state.model = undefined;
    state.loaded = undefined;
    state.model = await timed(timings, 'build model', () => buildModel(name));
  }
  return state.model;
}

async function ensureWeights(m: BrowserModel, timings: Record<string, number>): Promise<string> {
  const ckpt = state.checkpoint;
  if (!ckpt) return 'none: seeded initial weights';
  if (state.loaded !== ckpt) {
    const r = await timed(timings, 'load checkpoint', () => loadWeights(m, ckpt.name, ckpt.bytes));
    state.loaded = ckpt;
    if (r.missingKeys.length || r.unexpectedKeys.length) return `${ckpt.name} (${r.missingKeys.length} missing, ${r.unexpectedKeys.length} unexpected keys)`;
  }
  return ckpt.name;
}

function draw(m: BrowserModel, image: HostImage, p: Prediction): number {
  if (p.task === 'detection') return drawDetections(canvas, image, p.result, m.classNames, Number(scoreThrInput.value));
  drawSegmentation(canvas, image, p.labels);
  return 0;
}

async function run(): Promise<void> {
  if (state.busy) return;
  if (!state.image) {
    setStatus('Choose an image first.', true);
    return;
  }
  state.busy = true;
  const timings: Record<string, number> = {};
  try {
    setStatus('Running…');
    const backend = await ensureBackend(timings);
    const m = await ensureModel(timings);
    const weights = await ensureWeights(m, timings);
    const image = state.image.data;
    const p = await timed(timings, 'inference', () => predict(m, image, state.image!.name));
    const shown = await timed(timings, 'draw', () => draw(m, image, p));
    const summary = p.task === 'detection' ? `${p.result.scores.length} detections, ${shown} drawn (score ≥ ${Number(scoreThrInput.value).toFixed(3)})` : `label map ${p.width}x${p.height}`;
    setStatus(`Done: ${summary}.`);
    showFacts([
      ['backend', backend.description],
      ['model', m.config.name],
      ['checkpoint', weights],
      ['image', `${state.image.name} (${image.width}x${image.height})`],
      ...Object.entries(timings).map(([k, v]): [string, string] => [k, ms(v)]),
      ...backend.skipped.map((s): [string, string] => [`not ${s.name}`, s.reason]),
    ]);
    window.__milaResult = resultSummary(p, { backend, config: m.config.name, timings, shown });
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    setStatus(message, true);
    window.__milaResult = { ok: false, error: message };
  } finally {
    state.busy = false;
  }
}

async function setImage(name: string, blob: Blob): Promise<void> {
  state.image = { name, data: await decodeImage(blob) };
}

function setCheckpoint(name: string, bytes: ArrayBuffer): void {
  state.checkpoint = { name, bytes };
}

async function fetchBytes(url: string): Promise<ArrayBuffer> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

const isCheckpointName = (name: string) => /\.(safetensors|pth|pt|bin)$/i.test(name);

async function takeFiles(files: Iterable<File>): Promise<void> {
  for (const f of files) {
    if (isCheckpointName(f.name)) setCheckpoint(f.name, await f.arrayBuffer());
    else if (f.type.startsWith('image/')) await setImage(f.name, f);
  }
  if (state.image && state.checkpoint) await run();
  else setStatus(state.image ? 'Image ready; add a checkpoint (or press Run for the initial weights).' : 'Checkpoint ready; add an image.');
}

function fillModels(): void {
  const names = [...Object.keys(FEATURED), ...configs.configNames().filter((n) => !(n in FEATURED))];
  for (const n of names) modelSelect.add(new Option(FEATURED[n] ?? n, n));
}

function wireControls(): void {
  $<HTMLButtonElement>('run').addEventListener('click', () => void run());
  $<HTMLInputElement>('image-file').addEventListener('change', (e) => void takeFiles((e.target as HTMLInputElement).files ?? []));
  $<HTMLInputElement>('checkpoint-file').addEventListener('change', (e) => void takeFiles((e.target as HTMLInputElement).files ?? []));
  $<HTMLInputElement>('checkpoint-url').addEventListener('change', async (e) => {
    const url = (e.target as HTMLInputElement).value.trim();
    if (!url) return;
    try {
      setStatus(`Fetching ${url}…`);
      setCheckpoint(url.split('/').pop() || url, await fetchBytes(url));
      setStatus('Checkpoint ready.');
    } catch (err) {
      setStatus((err as Error).message, true);
    }
  });
  for (const el of [modelSelect, backendSelect, scoreThrInput]) el.addEventListener('change', () => state.image && void run());
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    void takeFiles(e.dataTransfer?.files ?? []);
  });
}

/** Apply the URL parameters; `run=1` runs once everything is fetched. */
async function fromUrl(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const model = q.get('model');
  if (model) modelSelect.value = model;
  const backend = q.get('backend');
  if (backend) backendSelect.value = backend;
  const thr = q.get('thr');
  if (thr) scoreThrInput.value = thr;
  try {
    const image = q.get('image');
    if (image) await setImage(image.split('/').pop() || image, new Blob([await fetchBytes(image)]));
    const ckpt = q.get('checkpoint');
    if (ckpt) setCheckpoint(ckpt.split('/').pop() || ckpt, await fetchBytes(ckpt));
  } catch (e) {
    setStatus((e as Error).message, true);
    window.__milaResult = { ok: false, error: (e as Error).message };
    return;
  }
  if (q.get('run') === '1') await run();
}

window.mila = { ...mila, tf };
fillModels();
wireControls();
installBench({ wasmPaths: WASM_PATHS, wasmThreads: WASM_THREADS });
void fromUrl();
