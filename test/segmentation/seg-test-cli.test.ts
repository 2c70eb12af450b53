import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors.js';
import { readLabelPngFile as readLabelPng } from '../../core/io/label-png.js';
import { EncoderDecoder } from '../../models/segmentor/encoder-decoder.js';
import type { UPerHead } from '../../heads/seg/uper-head.js';
import { UPERNET_TINYCONV } from '../../configs/upernet.js';
import { runMila } from '../cli/run-mila.js';
import { listAde20kSplit } from '../../datasets/ade20k/ade20k-split.js';
import { evaluateSegmentor } from '../../tasks/segmentation/evaluate.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-seg-test-'));
const root = path.join(tmp, 'ADEChallengeData2016');
const ckpt = path.join(tmp, 'const-class-1.safetensors');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Raw ADE20K label values of image i (h x w): bands of 0 (other, ignored), 1, 2, 3 and a 255 patch. */
function rawLabels(h: number, w: number, i: number): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = y < h / 4 ? 0 : x < w / 3 + i ? 1 : x < (2 * w) / 3 ? 2 : 3;
  for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) out[(h - 1 - y) * w + x] = 255;
  return out;
}

const SIZES: [number, number][] = [[40, 56], [48, 36]];

beforeAll(async () => {
  // The command runs on wasm (XNNPACK convs); initialising it here keeps its one-time backend notice quiet.
  await initBackend('wasm', { quiet: true });
  for (const sub of ['images/validation', 'annotations/validation']) mkdirSync(path.join(root, sub), { recursive: true });
  for (let i = 0; i < SIZES.length; i++) {
    const [h, w] = SIZES[i]!;
    const rgb = Buffer.alloc(h * w * 3);
    for (let p = 0; p < h * w; p++) rgb[p * 3] = (p * 7) % 256;
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg().toFile(path.join(root, 'images/validation', `ADE_val_${i}.jpg`));
    const png = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, bitDepth: 8 });
    png.data = Buffer.from(rawLabels(h, w, i));
    writeFileSync(path.join(root, 'annotations/validation', `ADE_val_${i}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
  }
  // A model that predicts class 1 everywhere: the classifier has zero weights and a bias favouring class 1.
  const model = new EncoderDecoder(UPERNET_TINYCONV.model);
  const seg = (model.decodeHead as UPerHead).convSeg;
  seg.weight.assign(tf.zerosLike(seg.weight));
  const bias = new Float32Array(150);
  bias[1] = 10;
  seg.bias!.assign(tf.tensor1d(bias));
  writeSafetensors(ckpt, model.stateDict());
  model.dispose();
});

async function mila(args: string[]): Promise<{ out: string[]; err: string; code: number }> {
  const r = await runMila(...args);
  return { out: r.lines, err: r.err, code: r.code };
}

/** Hand count over both images after reduce_zero_label: 0 and 255 ignored, raw 1/2/3 are classes 0/1/2. */
function expectedMetrics(numImages = SIZES.length) {
  const count = [0, 0, 0];
  for (let i = 0; i < numImages; i++) {
    const [h, w] = SIZES[i]!;
    for (const v of rawLabels(h, w, i)) if (v >= 1 && v <= 3) count[v - 1]!++;
  }
  const valid = count[0]! + count[1]! + count[2]!;
  // Every valid pixel is predicted class 1: IoU1 = |gt 1| / valid, IoU0 = IoU2 = 0, Acc = [0, 1, 0]; the rest NaN.
  const iou1 = count[1]! / valid;
  return { aAcc: iou1, mIoU: iou1 / 3, mAcc: 1 / 3, iou1 };
}

describe('mila seg-test', () => {
  it('prints the per-class table, the summary and a JSON line; writes label PNGs and overlays', async () => {
    const outDir = path.join(tmp, 'pred');
    const showDir = path.join(tmp, 'show');
    const r = await mila(['seg-test', UPERNET_TINYCONV.name, ckpt, '--data-root', root, '--json', '--out-dir', outDir, '--show-dir', showDir, '--backend', 'wasm']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const e = expectedMetrics();
    expect(r.out[0]).toMatch(/^seg-test: 2 images in [\d.]+s \([\d.]+ img\/s\), mode whole, 1 view\(s\) per image, peak RSS \d+ MB$/);
    expect(r.out).toContain('per class results:');
    // PrettyTable rows: | name | IoU | Acc | in percent with 2 decimals (mmseg's np.round(100 * x, 2)).
    const cells = (l: string) => l.split('|').slice(1, -1).map((c) => c.trim());
    const row = (name: string) => r.out.map(cells).find((c) => c[0] === name);
    const pct = (x: number) => String(Math.round(x * 10000) / 100);
    expect(row('wall')).toEqual(['wall', '0.0', '0.0']);
    expect(row('building')).toEqual(['building', pct(e.iou1), '100.0']);
    expect(row('sky')).toEqual(['sky', '0.0', '0.0']);
    expect(row('flag')).toEqual(['flag', 'nan', 'nan']);
    const summary = r.out.indexOf('Summary:');
    expect(cells(r.out[summary + 2]!)).toEqual(['aAcc', 'mIoU', 'mAcc']);
    expect(cells(r.out[summary + 4]!)).toEqual([pct(e.aAcc), pct(e.mIoU), pct(e.mAcc)]);
    const last = JSON.parse(r.out[r.out.length - 1]!);
    expect(last.aAcc).toBeCloseTo(e.aAcc, 12);
    expect(last.mIoU).toBeCloseTo(e.mIoU, 12);
    expect(last.mAcc).toBeCloseTo(e.mAcc, 12);
    expect(last.IoU.slice(0, 4)).toEqual([0, e.iou1, 0, null]);
    expect(last.numImages).toBe(2);
    // Predictions are written at the original size with class index 1 everywhere.
    const pred = readLabelPng(path.join(outDir, 'ADE_val_1.png'));
    expect([pred.height, pred.width]).toEqual(SIZES[1]);
    expect(pred.data.every((v) => v === 1)).toBe(true);
    expect(existsSync(path.join(showDir, 'ADE_val_0.jpg'))).toBe(true);
    const overlay = await sharp(path.join(showDir, 'ADE_val_0.jpg')).raw().toBuffer({ resolveWithObject: true });
    expect([overlay.info.height, overlay.info.width]).toEqual(SIZES[0]);
  });

  it('slide mode with flip + multi-scale aug-test gives the same metrics for a constant prediction', async () => {
    const r = await mila(['seg-test', UPERNET_TINYCONV.name, ckpt, '--data-root', root, '--json', '--mode', 'slide', '--aug-test', '--limit', '1', '--backend', 'wasm',
      // 96-pixel windows every 64: one to four windows per view (12 views: 6 scales x flip), to keep this quick.
      '--set', 'model.testCfg.cropSize=[96,96]', 'model.testCfg.stride=[64,64]']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/mode slide, 12 view\(s\) per image/);
    const last = JSON.parse(r.out[r.out.length - 1]!);
    expect(last.numImages).toBe(1);
    expect(last.mIoU).toBeCloseTo(expectedMetrics(1).mIoU, 12);
  });

  it('evaluation releases every tensor it makes (memory stays flat over a split)', async () => {
    const model = new EncoderDecoder(UPERNET_TINYCONV.model);
    const items = listAde20kSplit(root, 'validation');
    const before = tf.memory().numTensors;
    const r = await evaluateSegmentor(model, items, {
      testCfg: { mode: 'slide', cropSize: [48, 48], stride: [32, 32] },
      views: { imgScale: [256, 64], ratios: [0.75, 1.0], flip: true },
      numClasses: 150,
      reduceZeroLabel: true,
      outDir: null,
      showDir: null,
    });
    expect(r.metrics.numImages).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('a missing data folder is a one-line error', async () => {
    const r = await mila(['seg-test', UPERNET_TINYCONV.name, ckpt, '--data-root', path.join(tmp, 'nope'), '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^mila seg-test: ADE20K image folder not found: .*nope[/\\]images[/\\]validation$/m);
  });
});
