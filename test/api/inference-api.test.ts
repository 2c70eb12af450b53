import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../configs/index.js';
import { initBackend } from '../../core/backend.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { UserError } from '../../core/errors.js';
import type { DetSample } from '../../core/types/data.js';
import { buildDetPipeline } from '../../datasets/pipelines/build-pipeline.js';
import { collateDet } from '../../datasets/loader/collate.js';
import { Rng } from '../../core/rng.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { predictLabelMap } from '../../models/segmentor/inference.js';
import { detPipelineSpecs } from '../../tasks/config-pipeline.js';
import { loadDetector, loadSegmentor } from '../../tasks/inference/index.js';
import { buildTestViews, testViewOptions } from '../../tasks/segmentation/test-views.js';

const DET = 'mask_rcnn_mila_tiny_fpn_synthetic';
const SEG = 'upernet_tinyconv_64x64_500_ade20k';
const dir = mkdtempSync(join(tmpdir(), 'mila-api-'));
const detCkpt = join(dir, 'det.safetensors');
const segCkpt = join(dir, 'seg.safetensors');
const imagePath = join(dir, 'shapes.png');
const W = 150;
const H = 97;
const rgb = new Uint8Array(W * H * 3);

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  // Seeded initial weights: the API's wiring is what is tested, not the accuracy of a model.
  const det = new MaskRCNN(getConfig(DET).model as MaskRCNNConfig, { seed: 3 });
  writeSafetensors(detCkpt, det.stateDict());
  det.dispose();
  const seg = new EncoderDecoder(getConfig(SEG).model as EncoderDecoderConfig);
  writeSafetensors(segCkpt, seg.stateDict());
  seg.dispose();
  for (let p = 0; p < W * H; p++) {
    const [x, y] = [p % W, Math.floor(p / W)];
    const inside = (x - 60) ** 2 + (y - 50) ** 2 < 900;
    rgb.set(inside ? [230, 40, 30] : [(x * 3) % 256, (y * 5) % 256, 90], p * 3);
  }
  await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(imagePath);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadDetector / predict', () => {
  it('gives the same detections for a path, encoded bytes and raw pixels, as the model on the test pipeline does', async () => {
    const det = await loadDetector(DET, detCkpt, { backend: 'wasm' });
    const fromPath = await det.predict(imagePath);
    const fromBytes = await det.predict(readFileSync(imagePath));
    const fromRaw = await det.predict({ data: rgb, width: W, height: H });
    for (const other of [fromBytes, fromRaw]) {
      expect(Array.from(other.boxes)).toEqual(Array.from(fromPath.boxes));
      expect(Array.from(other.scores)).toEqual(Array.from(fromPath.scores));
      expect(Array.from(other.labels)).toEqual(Array.from(fromPath.labels));
    }
    expect([fromPath.width, fromPath.height]).toEqual([W, H]);
    expect(fromPath.scores.length).toBeGreaterThan(0);

    // The same model driven by hand: test pipeline, collate, simpleTest.
    const cfg = getConfig(DET);
    const model = new MaskRCNN(cfg.model as MaskRCNNConfig);
    model.loadStateDict(loadCheckpoint(detCkpt), { strict: true });
    model.eval();
    const sample: DetSample = {
      img: { data: rgb, width: W, height: H, channels: 3 },
      meta: { filename: 'x', imageId: 0, oriShape: [H, W], imgShape: [H, W], padShape: [H, W], scaleFactor: [1, 1, 1, 1], flip: false, flipDirection: null },
      gtBoxes: new Float32Array(0), gtLabels: new Int32Array(0), gtBoxesIgnore: new Float32Array(0), gtMasks: null,
    };
    const t = buildDetPipeline(detPipelineSpecs(cfg.data.test.pipeline, 'test')).apply(sample, new Rng(0))!;
    const [want] = model.simpleTest(collateDet([t]), true);
    model.dispose();
    const order = Array.from(want!.scores.keys()).sort((a, b) => want!.scores[b]! - want!.scores[a]!);
    expect(Array.from(fromPath.scores)).toEqual(order.map((i) => want!.scores[i]));
    expect(Array.from(fromPath.boxes)).toEqual(order.flatMap((i) => Array.from(want!.boxes.subarray(4 * i, 4 * i + 4))));
    expect(fromPath.masks!.count).toBe(order.length);
    expect(Array.from(fromPath.masks!.data.subarray(0, W * H))).toEqual(Array.from(want!.masks!.data.subarray(order[0]! * W * H, (order[0]! + 1) * W * H)));
    expect(fromPath.classNames).toEqual(Array.from(fromPath.labels, (l) => det.classNames[l]));
    det.dispose();
  });

  it('filters by score, and dispose frees every weight', async () => {
    const before = tf.memory().numTensors;
    const det = await loadDetector(DET, detCkpt);
    const all = await det.predict(imagePath);
    const thr = all.scores[Math.floor(all.scores.length / 2)]!;
    const some = await det.predict(imagePath, { scoreThr: thr });
    expect(some.scores.length).toBe(Array.from(all.scores).filter((s) => s >= thr).length);
    expect(Math.min(...some.scores)).toBeGreaterThanOrEqual(thr);
    expect(some.masks!.data.length).toBe(some.scores.length * W * H);
    det.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(det.predict(imagePath)).rejects.toThrow('predict on a disposed detector');
  });
});

describe('loadSegmentor / predict', () => {
  it('gives the label map of whole and slide inference, as the model on the test views does', async () => {
    const seg = await loadSegmentor(SEG, segCkpt);
    const cfg = getConfig(SEG);
    const model = new EncoderDecoder(cfg.model as EncoderDecoderConfig);
    model.loadStateDict(loadCheckpoint(segCkpt), { strict: true });
    model.eval();
    for (const mode of ['whole', 'slide'] as const) {
      const got = await seg.predict(imagePath, { mode });
      expect([got.width, got.height, got.labelMap.length]).toEqual([W, H, W * H]);
      const views = buildTestViews({ data: rgb, width: W, height: H, channels: 3 }, testViewOptions(cfg.data.test.pipeline));
      const want = predictLabelMap(model, views, [H, W], { ...(cfg.model as EncoderDecoderConfig).testCfg, mode });
      views.forEach((v) => v.image.dispose());
      expect(Array.from(got.labelMap)).toEqual(Array.from(want));
      expect(got.classNames).toHaveLength(150);
    }
    model.dispose();
    seg.dispose();
  });
});

describe('bad input is one clear error', () => {
  async function error(p: Promise<unknown>): Promise<string> {
    const e = await p.then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    const msg = (e as Error).message;
    expect(msg.split('\n')).toHaveLength(1);
    return msg;
  }

  it('an unknown preset, a config of the other task', async () => {
    expect(await error(loadDetector('mask_rcnn_mila_tiny_fpn_synthetik', detCkpt))).toMatch(/^unknown config 'mask_rcnn_mila_tiny_fpn_synthetik' \(did you mean mask_rcnn_mila_tiny_fpn_synthetic/);
    expect(await error(loadDetector(SEG, segCkpt))).toBe(`${SEG} is a segmentation config; use loadSegmentor for it`);
  });

  it('a checkpoint that does not fit the config: other keys, another shape, a zoo entry of another preset', async () => {
    expect(await error(loadDetector(DET, segCkpt))).toMatch(new RegExp(`^${segCkpt} does not fit ${DET}: \\d+ of the model's \\d+ weights are missing \\(backbone\\.`));
    const det = new MaskRCNN(getConfig(DET).model as MaskRCNNConfig);
    const sd = det.stateDict();
    det.dispose();
    const key = 'roi_head.bbox_head.fc_cls.weight';
    const w = sd.get(key)!;
    sd.set(key, { ...w, shape: [w.shape[0]! - 1, w.shape[1]!], data: (w.data as Float32Array).subarray(w.shape[1]!) });
    const wrongShape = join(dir, 'wrong-shape.safetensors');
    writeSafetensors(wrongShape, sd);
    expect(await error(loadDetector(DET, wrongShape))).toMatch(new RegExp(`^${wrongShape} does not fit ${DET}: .*${key.replace(/\./g, '\\.')}`));
    expect(await error(loadDetector(DET, 'zoo:mask_rcnn_mila_t_fpn_1x_coco'))).toBe(`zoo:mask_rcnn_mila_t_fpn_1x_coco is a checkpoint of the preset mask_rcnn_mila_t_fpn_1x_coco, not of ${DET}`);
    expect(await error(loadDetector(DET, join(dir, 'missing.pth')))).toBe(`checkpoint file not found: ${join(dir, 'missing.pth')}`);
  });

  it('an undecodable image, raw pixels of the wrong size', async () => {
    const seg = await loadSegmentor(SEG, segCkpt);
    const junk = join(dir, 'junk.jpg');
    writeFileSync(junk, 'not an image');
    expect(await error(seg.predict(junk))).toMatch(new RegExp(`^cannot decode image ${junk}: `));
    expect(await error(seg.predict(Buffer.from('GIF89a broken')))).toMatch(/^cannot decode image image bytes: /);
    expect(await error(seg.predict({ data: new Uint8Array(10), width: 4, height: 4 }))).toBe('raw image: 10 bytes for 4x4x3 (need 48)');
    expect(await error(seg.predict(imagePath, { mode: 'tiles' as 'whole' }))).toBe("mode must be 'whole' or 'slide', got 'tiles'");
    seg.dispose();
  });
});
