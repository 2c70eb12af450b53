import * as tf from '@tensorflow/tfjs-core';
import {
  MilaBackbone, Rng, buildModel, disposeModel, initBrowserBackend, loadWeights, predict,
  type BrowserBackendName, type BrowserBackendOptions, type BrowserModel, type HostImage,
} from '../../browser/index.js';
import { decodeImage } from './decode.js';

/**
 * The page's side of `npm run bench:browser` (scripts/bench-browser.mjs): `prepare` builds a workload on a
 * backend and runs it once (warm-up: shader compilation, wasm start-up), `run` times it `runs` times and returns
 * wall-clock milliseconds per run; the script measures the browser's CPU time around `run` itself.
 * The workloads are Node's `npm run bench` entries of the same names.
 */
export interface BenchPrepare {
  name: 'mila_t.forward.512' | 'main_job.infer';
  backend: BrowserBackendName;
  /** main_job.infer: the image and checkpoint URLs. */
  image?: string;
  checkpoint?: string;
}

interface Workload {
  run(): Promise<void>;
  dispose(): void;
}

declare global {
  interface Window {
    __milaBench?: { prepare(req: BenchPrepare): Promise<string>; run(runs: number): Promise<number[]> };
  }
}

function milaForward512(): Workload {
  const backbone = new MilaBackbone('mila_t').eval();
  const rng = new Rng(0);
  const x = tf.tensor4d(Float32Array.from({ length: 512 * 512 * 3 }, () => rng.normal()), [1, 512, 512, 3]);
  return {
    async run() {
      const outs = backbone.forward(x);
      // Wait for the results (GPU backends run asynchronously), as Node's entry reads the last output back.
      await outs[outs.length - 1]!.data();
      tf.dispose(outs);
    },
    dispose() {
      x.dispose();
      tf.dispose(backbone.parameters());
    },
  };
}

async function mainJobInfer(req: BenchPrepare): Promise<Workload> {
  if (!req.image) throw new Error('main_job.infer needs an image URL');
  const image: HostImage = await decodeImage(await (await fetch(req.image)).blob());
  const m: BrowserModel = buildModel('mask_rcnn_mila_main_job');
  if (req.checkpoint) loadWeights(m, req.checkpoint, await (await fetch(req.checkpoint)).arrayBuffer());
  return {
    async run() {
      predict(m, image);
    },
    dispose: () => disposeModel(m),
  };
}

export function installBench(backendOptions: BrowserBackendOptions): void {
  let current: Workload | undefined;
  window.__milaBench = {
    async prepare(req) {
      current?.dispose();
      // The backbone entry reads its result asynchronously, so WebGPU may run it even where dataSync is broken.
      const info = await initBrowserBackend(req.backend, { ...backendOptions, needsSyncRead: req.name === 'main_job.infer' });
      current = req.name === 'mila_t.forward.512' ? milaForward512() : await mainJobInfer(req);
      await current.run();
      return info.description;
    },
    async run(runs) {
      if (!current) throw new Error('call prepare first');
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await current.run();
        times.push(performance.now() - t0);
      }
      return times;
    },
  };
}
