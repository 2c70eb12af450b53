import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

// Worker threads load the compiled dist/ (npm ci's `prepare` builds it before `npm test`).
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-seg-workers-'));
const root = path.join(tmp, 'ADEChallengeData2016');
const ckpt = path.join(tmp, 'random-init.safetensors');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Sizes differ so that workers finish out of order; labels vary per image.
const SIZES: [number, number][] = [[40, 56], [64, 48], [36, 36], [56, 40], [48, 64]];

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  for (const sub of ['images/validation', 'annotations/validation']) mkdirSync(path.join(root, sub), { recursive: true });
  for (let i = 0; i < SIZES.length; i++) {
    const [h, w] = SIZES[i]!;
    const rgb = Buffer.alloc(h * w * 3);
    for (let p = 0; p < h * w; p++) {
      rgb[p * 3] = (p * 7 + i * 31) % 256;
      rgb[p * 3 + 1] = (p * 13) % 256;
      rgb[p * 3 + 2] = ((p % w) * 5 + i * 50) % 256;
    }
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toFile(path.join(root, 'images/validation', `ADE_val_${i}.jpg`));
    const labels = new Uint8Array(h * w);
    for (let p = 0; p < h * w; p++) labels[p] = 1 + ((Math.floor(p / w / 8) + Math.floor((p % w) / 8) + i) % 4);
    const png = new PNG({ width: w, height: h, colorType: 0, inputColorType: 0, bitDepth: 8 });
    png.data = Buffer.from(labels);
    writeFileSync(path.join(root, 'annotations/validation', `ADE_val_${i}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
  }
  // A randomly initialised model whose classifier can only choose among classes 0..3 (the raw labels 1..4
  // above): its predictions vary over pixels and images and are right on part of them, so any mix-up of
  // image order between workers, or any difference in the per-image computation, changes the metrics.
  const model = new EncoderDecoder(UPERNET_TINYCONV.model);
  const seg = (model.decodeHead as UPerHead).convSeg;
  seg.weight.assign(tf.mul(seg.weight, 50));
  seg.bias!.assign(tf.tensor1d(Array.from({ length: 150 }, (_, c) => (c < 4 ? 0 : -1e4))));
  writeSafetensors(ckpt, model.stateDict());
  model.dispose();
});

async function mila(args: string[]): Promise<{ out: string[]; err: string; code: number }> {
  const r = await runMila(...args);
  return { out: r.lines, err: r.err, code: r.code };
}

/** The JSON line without the timing fields, which legitimately differ between runs. */
function metricsOf(out: string[]): Record<string, unknown> {
  const { imagesPerSecond: _ips, peakRssMB: _rss, ...rest } = JSON.parse(out[out.length - 1]!) as Record<string, unknown>;
  return rest;
}

describe('mila seg-test --workers', () => {
  it('two workers print exactly the metrics and write exactly the label maps of one', async () => {
    const base = ['seg-test', UPERNET_TINYCONV.name, ckpt, '--data-root', root, '--json', '--backend', 'wasm', '--no-progress'];
    const one = await mila([...base, '--workers', '1', '--out-dir', path.join(tmp, 'w1')]);
    const two = await mila([...base, '--workers', '2', '--out-dir', path.join(tmp, 'w2')]);
    expect(one.err).toBe('');
    expect(two.err).toBe('');
    expect([one.code, two.code]).toEqual([0, 0]);
    const m1 = metricsOf(one.out);
    expect(m1.numImages).toBe(SIZES.length);
    // The random model gets some classes right and some wrong: the comparison below is not between two zeros.
    expect(m1.aAcc).toBeGreaterThan(0.05);
    expect(m1.aAcc).toBeLessThan(0.95);
    expect(metricsOf(two.out)).toEqual(m1);
    // The per-class table is printed identically too (everything after the timing line).
    expect(two.out.slice(1, -2)).toEqual(one.out.slice(1, -2));
    for (let i = 0; i < SIZES.length; i++) {
      const a = readLabelPng(path.join(tmp, 'w1', `ADE_val_${i}.png`));
      const b = readLabelPng(path.join(tmp, 'w2', `ADE_val_${i}.png`));
      expect([b.height, b.width]).toEqual(SIZES[i]);
      expect(Buffer.from(b.data).equals(Buffer.from(a.data))).toBe(true);
    }
  }, 60_000);

  it('rejects a bad --workers value in one line', async () => {
    const r = await mila(['seg-test', UPERNET_TINYCONV.name, ckpt, '--data-root', root, '--workers', '0', '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^mila seg-test: --workers must be a positive integer \(got '0'\)\n$/);
  });
});
