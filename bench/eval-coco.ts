/**
 * Evaluator bench (`npm run bench:eval`, after `npm run build`):
 *  1. COCO bbox: a COCO-val-sized synthetic case (5,000 images, ~37k GT, 100 detections per image)
 *     evaluated end to end by `mila coco-eval` in a child process: wall seconds and the child's peak RSS.
 *     (pycocotools on this machine: about 88 s and 2.5 GB on such a case.)
 *  2. mIoU: the streaming accumulator over 2,000 label maps of 512x512 (in memory), then `mila seg-eval`
 *     end to end on PNG files (decode included).
 * Options: --images N (default 5000), --dets N (100), --seg-maps N (2000), --seg-png N (200), --keep.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeLabelPng } from '../core/io/label-png.js';
import { MIoUAccumulator } from '../eval/miou/accumulator.js';
import { writeSyntheticCoco } from './eval-synthetic-coco.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../cli/mila.js');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

const FALLBACK = path.resolve(here, './eval-cli-entry.js');

/**
 * Run `node dist/cli/mila.js <args>`; returns wall seconds and the parsed JSON last line. If the full CLI
 * cannot start (a module of another command failing to load), the same commands run from
 * bench/eval-cli-entry.js and the figure says so.
 */
function runCli(args: string[]): { seconds: number; json: Record<string, unknown>; stdout: string; entry: string } {
  for (const entry of [CLI, FALLBACK]) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) {
      const loadFailure = r.stdout === '' && /SyntaxError|ERR_MODULE_NOT_FOUND|does not provide an export/.test(r.stderr);
      if (entry === CLI && loadFailure) {
        console.log(`(the full CLI does not start: ${r.stderr.split('\n').find((l) => /Error/.test(l))?.trim()}; using bench/eval-cli-entry.js)`);
        continue;
      }
      throw new Error(`mila ${args[0]} failed (exit ${r.status}): ${r.stderr.trim()}`);
    }
    const lines = r.stdout.trimEnd().split('\n');
    return { seconds, json: JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>, stdout: r.stdout, entry: path.basename(entry) };
  }
  throw new Error('unreachable');
}

/** A label map of class blobs (blocky regions, as real scenes) and a prediction that agrees on most pixels. */
function labelPair(seed: number, h: number, w: number, numClasses: number): { label: Uint8Array; pred: Uint8Array } {
  let s = seed * 2654435761;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 13), 1274126177) + 0x9e3779b9) >>> 0) / 4294967296);
  const label = new Uint8Array(h * w);
  const pred = new Uint8Array(h * w);
  const cell = 32;
  for (let by = 0; by < h; by += cell) {
    for (let bx = 0; bx < w; bx += cell) {
      const c = Math.floor(rnd() * (numClasses + 1)); // 0 = "other" (ignored with reduce_zero_label)
      const pc = rnd() < 0.7 ? Math.max(0, c - 1) : Math.floor(rnd() * numClasses);
      for (let y = by; y < Math.min(h, by + cell); y++) {
        for (let x = bx; x < Math.min(w, bx + cell); x++) {
          label[y * w + x] = c;
          pred[y * w + x] = (x + y) % 17 === 0 ? (pc + 1) % numClasses : pc;
        }
      }
    }
  }
  return { label, pred };
}

function writeGrayPng(file: string, data: Uint8Array, h: number, w: number): void {
  writeFileSync(file, encodeLabelPng(data, h, w));
}

function benchCoco(tmp: string): void {
  const images = arg('images', 5000);
  const dets = arg('dets', 100);
  const t0 = performance.now();
  const c = writeSyntheticCoco(tmp, { images, detsPerImage: dets });
  const gen = (performance.now() - t0) / 1000;
  console.log(
    `COCO bbox case: ${c.numImages} images, ${c.numGt} GT boxes, ${c.numDt} detections ` +
      `(gt ${mb(statSync(c.gtFile).size)} MB, results ${mb(statSync(c.dtFile).size)} MB; generated in ${gen.toFixed(1)} s)`,
  );
  const r = runCli(['coco-eval', '--gt', c.gtFile, '--dt', c.dtFile, '--iou-type', 'bbox', '--json']);
  const s = r.json.seconds as Record<string, number>;
  const stats = r.json.stats as number[];
  console.log(r.stdout.split('\n').filter((l) => l.startsWith(' Average')).join('\n'));
  console.log(
    `mila coco-eval bbox (${r.entry}): ${r.seconds.toFixed(2)} s wall end to end (child process, incl. node start-up); ` +
      `inside: load ${s.load!.toFixed(2)} s, evaluate ${s.evaluate!.toFixed(2)} s, accumulate ${s.accumulate!.toFixed(2)} s; ` +
      `CPU ${(r.json.cpuSeconds as number).toFixed(2)} s; peak RSS ${(r.json.maxRssMB as number).toFixed(0)} MB`,
  );
  if (images === 5000 && dets === 100) {
    console.log(`  vs pycocotools ~88 s / 2.5 GB on this machine: ${(88 / r.seconds).toFixed(1)}x faster (wall); AP = ${stats[0]!.toFixed(4)}`);
  }
}

function benchMiou(tmp: string): void {
  const maps = arg('seg-maps', 2000);
  const H = 512;
  const W = 512;
  const N = 150;
  // 16 distinct pairs cycled: the accumulator's cost does not depend on which map it sees.
  const pool = Array.from({ length: 16 }, (_, i) => labelPair(i + 1, H, W, N));
  const acc = new MIoUAccumulator({ numClasses: N, reduceZeroLabel: true });
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < maps; i++) acc.add(pool[i % pool.length]!.pred, pool[i % pool.length]!.label);
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const r = acc.result();
  console.log(
    `mIoU accumulate: ${maps} label maps of ${H}x${W} (150 classes, reduce_zero_label) in ${sec.toFixed(2)} s = ` +
      `${(maps / sec).toFixed(0)} maps/s, ${((maps * H * W) / sec / 1e6).toFixed(0)} Mpx/s (CPU ${cpuSec.toFixed(2)} s = ${(maps / cpuSec).toFixed(0)} maps per CPU second); RSS change ${mb(process.memoryUsage().rss - rss0)} MB; mIoU ${(100 * r.mIoU).toFixed(2)}`,
  );

  const nPng = arg('seg-png', 200);
  if (nPng <= 0) return;
  const gtDir = path.join(tmp, 'seg-gt');
  const predDir = path.join(tmp, 'seg-pred');
  mkdirSync(gtDir);
  mkdirSync(predDir);
  for (let i = 0; i < nPng; i++) {
    const p = pool[i % pool.length]!;
    const name = `img_${String(i).padStart(5, '0')}.png`;
    writeGrayPng(path.join(gtDir, name), p.label, H, W);
    writeGrayPng(path.join(predDir, name), p.pred, H, W);
  }
  const run = runCli(['seg-eval', '--gt-dir', gtDir, '--pred-dir', predDir, '--num-classes', String(N), '--reduce-zero-label', '--json']);
  const mIoU = run.json.mIoU as number;
  const same = Math.abs(mIoU - r.mIoU) < 1e-12 && nPng % pool.length === maps % pool.length;
  console.log(
    `mila seg-eval end to end: ${nPng} PNG pairs of ${H}x${W} in ${run.seconds.toFixed(2)} s wall = ${(nPng / run.seconds).toFixed(0)} images/s ` +
      `(PNG decoding included)${same ? '; same mIoU as in memory' : ''}`,
  );
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-bench-eval-'));
try {
  console.log(`machine: ${os.cpus().length} vCPU (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
  benchCoco(tmp);
  benchMiou(tmp);
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
