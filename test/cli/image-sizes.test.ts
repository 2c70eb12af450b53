/**
 * Images of any size and aspect ratio through infer, test and seg-test (MILA backbones, so the fused eluRope
 * kernel sees the thin maps): 1 pixel wide or high, 4097x3, and the one-line limit error for original-size
 * outputs that cannot be held (checked before anything that large is allocated).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { UPERNET_MILA_MICRO } from '../../configs/upernet.js';
import { maskPostprocess } from '../../heads/det/roi/roi-postprocess.js';
import { rescaleSize } from '../../datasets/transforms/rescale-size.js';
import { EncoderDecoder } from '../../models/segmentor/encoder-decoder.js';
import { predictLabelMap } from '../../models/segmentor/inference.js';
import { loadExperiment } from '../../train/experiment.js';
import { createTask } from '../../tasks/create-task.js';
import { runMila } from './run-mila.js';

const DET = 'mask_rcnn_mila_tiny_fpn_synthetic';
const SEG = 'upernet_mila_micro_128x128_2k_ade20k';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-sizes-'));
const detCkpt = path.join(tmp, 'det.safetensors');
const segCkpt = path.join(tmp, 'seg.safetensors');
const COMMON = ['--backend', 'wasm', '--no-progress', '--workers', '1'];
/** [width, height]: one pixel wide or high at both test scales, and far beyond the long edge. */
const SIZES: [number, number][] = [[1, 5000], [5000, 1], [3, 4097], [4097, 3], [1, 1], [2, 700]];

/** An RGB image file, encoded by its extension (.png, .jpg). */
async function writeImage(file: string, w: number, h: number): Promise<void> {
  const rgb = Buffer.alloc(w * h * 3);
  for (let p = 0; p < w * h; p++) rgb[p * 3] = (p * 37) % 256;
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).toFile(file);
}

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  const det = await createTask(loadExperiment(DET, []));
  writeSafetensors(detCkpt, det.model.stateDict());
  const seg = new EncoderDecoder(UPERNET_MILA_MICRO.model);
  writeSafetensors(segCkpt, seg.stateDict());
  seg.dispose();
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('extreme sizes and aspect ratios', () => {
  it('rescaling keeps at least one pixel where mmcv rounds a side to 0 (cv2 would then fail)', () => {
    expect(rescaleSize(1, 5000, [1333, 800])).toEqual([1, 1333]);
    expect(rescaleSize(4097, 3, [320, 320])).toEqual([320, 1]);
    expect(rescaleSize(4097, 3, [1333, 800])).toEqual([1333, 1]); // mmcv: (1333, int(0.976 + 0.5) = 1)
    expect(rescaleSize(640, 480, [1333, 800])).toEqual([1067, 800]);
  });

  it('infer draws every image at its own size', async () => {
    const files: string[] = [];
    for (const [w, h] of SIZES) {
      files.push(path.join(tmp, `img_${w}x${h}.png`));
      await writeImage(files.at(-1)!, w, h);
    }
    const out = path.join(tmp, 'vis');
    const r = await runMila('infer', DET, detCkpt, ...files, '--out-dir', out, ...COMMON);
    expect(r.code, r.err).toBe(0);
    for (const [w, h] of SIZES) {
      const meta = await sharp(path.join(out, `img_${w}x${h}.png`)).metadata();
      expect([meta.width, meta.height]).toEqual([w, h]);
    }
  });

  it('test evaluates a COCO split of thin images', async () => {
    const root = path.join(tmp, 'coco');
    mkdirSync(path.join(root, 'val2017'), { recursive: true });
    mkdirSync(path.join(root, 'annotations'), { recursive: true });
    const images = SIZES.map(([w, h], i) => ({ id: i + 1, file_name: `${w}x${h}.png`, width: w, height: h }));
    for (const im of images) await writeImage(path.join(root, 'val2017', im.file_name), im.width, im.height);
    const annotations = images.map((im, i) => ({ id: i + 1, image_id: im.id, category_id: 1, bbox: [0, 0, im.width, im.height], area: im.width * im.height, iscrowd: 0, segmentation: [[0, 0, im.width, 0, im.width, im.height, 0, im.height]] }));
    const categories = ['circle', 'rectangle', 'triangle', 'ring', 'star'].map((name, i) => ({ id: i + 1, name }));
    writeFileSync(path.join(root, 'annotations/instances_val2017.json'), JSON.stringify({ images, annotations, categories }));
    const r = await runMila('test', DET, detCkpt, '--eval', 'bbox', 'segm', '--split', 'val', ...COMMON, '--set', `data.root=${root}`);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Evaluating segm...');
  });

  for (const mode of ['whole', 'slide']) {
    it(`seg-test (${mode}) predicts thin images with the MILA backbone`, async () => {
      const root = path.join(tmp, `ade-${mode}`, 'ADEChallengeData2016');
      for (const sub of ['images/validation', 'annotations/validation']) mkdirSync(path.join(root, sub), { recursive: true });
      for (const [w, h] of SIZES.filter(([w, h]) => w * h <= 5000)) {
        await writeImage(path.join(root, 'images/validation', `ADE_${w}x${h}.jpg`), w, h);
        await sharp(Buffer.alloc(w * h, 3), { raw: { width: w, height: h, channels: 1 } }).toColourspace('b-w').png().toFile(path.join(root, 'annotations/validation', `ADE_${w}x${h}.png`));
      }
      const r = await runMila('seg-test', SEG, segCkpt, '--data-root', root, '--mode', mode, '--json', ...COMMON);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.lines.at(-1)!).numImages).toBe(SIZES.filter(([w, h]) => w * h <= 5000).length);
    });
  }

  it('original-size masks over 4 GiB are refused before allocation, naming the image and the limit', () => {
    const meta = { filename: 'huge.jpg', imageId: 1, oriShape: [70000, 70000] as [number, number], imgShape: [800, 800] as [number, number], padShape: [800, 800] as [number, number], scaleFactor: [1, 1, 1, 1] as [number, number, number, number], flip: false, flipDirection: null };
    expect(() => maskPostprocess(new Float32Array(28 * 28), 28, new Float32Array([0, 0, 10, 10]), meta, 0.5)).toThrow(
      'huge.jpg: 70000x70000 image: 1 instance masks at the original size need 4.6 GiB, over the 4.0 GiB limit for one image; downscale the image',
    );
  });

  it('original-size class scores over 4 GiB are refused before inference, naming the image and the limit', () => {
    const model = new EncoderDecoder(UPERNET_MILA_MICRO.model);
    try {
      expect(() => predictLabelMap(model, [{ image: null as never, flip: false }], [3000, 3000], model.cfg.testCfg, 'big.jpg')).toThrow(
        /^big\.jpg: 3000x3000 image: class scores of 150 classes \(1 map\) at the original size need 5\.0 GiB, over the 4\.0 GiB limit/,
      );
    } finally {
      model.dispose();
    }
  });
});
