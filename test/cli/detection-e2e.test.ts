/**
 * The detection workflow end to end, through the CLI commands as a user runs them: make a tiny synthetic
 * COCO dataset, `mila train` the tiny Mask R-CNN preset for a few iterations, `mila test` it with the
 * pycocotools tables and COCO results files, `mila infer` one image, `--resume`, and the one-line errors.
 * Runs on wasm: for these tiny inputs a training iteration takes about a second there, minutes on `cpu`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { readSafetensors } from '../../core/checkpoint/safetensors.js';
import { toFloat32, type StateDict } from '../../core/host-tensor.js';
import { runMila } from './run-mila.js';

const CONFIG = 'mask_rcnn_mila_tiny_fpn_synthetic';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-det-e2e-'));
const data = path.join(tmp, 'coco');
const workDir = path.join(tmp, 'work');
// Width differs from height so a transposed output picture would be caught.
const W = 128;
const H = 96;

/** Point the preset at the tiny data and shrink images to their own size (the preset resizes to 320). */
const DATA_SET = [
  `data.root=${data}`,
  `data.train.pipeline.2.imgScale=[[${W},${H}]]`,
  `data.val.pipeline.1.imgScale=[${W},${H}]`,
  `data.test.pipeline.1.imgScale=[${W},${H}]`,
];
const TRAIN_SET = [...DATA_SET, 'runner.type=iter', 'runner.checkpointInterval=1', 'runner.evalInterval=1000', 'runner.logInterval=1'];
const COMMON = ['--backend', 'wasm', '--no-progress'];

/** pycocotools' COCOeval.summarize() labels, in order (AP then AR, with its area and maxDets). */
const SUMMARY_LABELS = [
  'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]',
  'Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ]',
  'Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ]',
  'Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]',
  'Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]',
  'Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ]',
  'Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ]',
];

function sidecar(base: string): { meta: { state: { iter: number } }; files: { model: { name: string } } } {
  return JSON.parse(readFileSync(`${base}.json`, 'utf8'));
}

/** The 12 numbers after `Evaluating <kind>...`, checked line by line against pycocotools' labels. */
function summaryStats(out: string, kind: 'bbox' | 'segm'): number[] {
  const lines = out.split('\n');
  const start = lines.indexOf(`Evaluating ${kind}...`);
  expect(start, `no 'Evaluating ${kind}...' in:\n${out}`).toBeGreaterThanOrEqual(0);
  return lines.slice(start + 1, start + 13).map((line, i) => {
    const m = /^ (.*) = (-?\d\.\d{3})$/.exec(line);
    expect(m, `line ${i} of the ${kind} table: '${line}'`).not.toBeNull();
    expect(m![1]).toBe(SUMMARY_LABELS[i]);
    return Number(m![2]);
  });
}

function maxAbsDiff(a: StateDict, b: StateDict): number {
  let max = 0;
  for (const [k, t] of a) {
    const x = toFloat32(t);
    const y = toFloat32(b.get(k)!);
    for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - y[i]!));
  }
  return max;
}

let valImages: { id: number; file_name: string; width: number; height: number }[];

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  const made = await runMila('make-data', '--kind', 'coco', '--out', data, '--images', '6', '--val-images', '3', '--size', `${W}x${H}`);
  expect(made.code, made.err).toBe(0);
  valImages = JSON.parse(readFileSync(path.join(data, 'annotations/instances_val2017.json'), 'utf8')).images;
  expect(valImages).toHaveLength(3);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('mila train / test / infer on a tiny synthetic COCO dataset', () => {
  it('train writes safetensors checkpoints with a sidecar recording the iteration', async () => {
    const r = await runMila('train', CONFIG, '--work-dir', workDir, ...COMMON, '--set', ...TRAIN_SET, 'runner.max=2');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`trained ${CONFIG}: 2 iterations`);
    // mmdet's log line: the RCNN accuracy is printed with the losses.
    expect(r.out + r.err).toMatch(/loss_cls: \d+\.\d{4}, acc: \d+\.\d{4}, loss_bbox: \d+\.\d{4}, loss_mask: \d+\.\d{4}, loss: \d+\.\d{4}/);
    for (const it of [1, 2]) {
      const base = path.join(workDir, `iter_${it}`);
      expect(existsSync(`${base}.safetensors`)).toBe(true);
      expect(sidecar(base).meta.state.iter).toBe(it);
      expect(sidecar(base).files.model.name).toBe(`iter_${it}.safetensors`);
    }
    const weights = readSafetensors(path.join(workDir, 'iter_2.safetensors'));
    // mmdet parameter names, so the file is interchangeable with an mmdet checkpoint of the same model.
    for (const name of ['neck.lateral_convs.0.conv.weight', 'rpn_head.rpn_conv.weight', 'roi_head.mask_head.convs.0.conv.weight']) {
      expect(weights.has(name), name).toBe(true);
    }
    // Two logged training iterations, each with finite loss terms.
    const log = readFileSync(path.join(workDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const trainLog = log.filter((l) => l.mode === 'train');
    expect(trainLog.map((l) => l.iter)).toEqual([1, 2]);
    for (const l of trainLog) for (const k of ['loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox', 'loss_mask', 'acc', 'loss']) expect(Number.isFinite(l[k]), k).toBe(true);
    // acc (percent, logged) is not part of the summed loss.
    for (const l of trainLog) expect(l.loss).toBeCloseTo(l.loss_rpn_cls + l.loss_rpn_bbox + l.loss_cls + l.loss_bbox + l.loss_mask, 4);
  });

  it('test prints the bbox and segm tables and writes COCO results with compressed RLE', async () => {
    const out = path.join(tmp, 'res.json');
    const r = await runMila('test', CONFIG, path.join(workDir, 'iter_2'), '--eval', 'bbox', 'segm', '--out', out, ...COMMON, '--set', ...DATA_SET);
    expect(r.code, r.err).toBe(0);
    for (const kind of ['bbox', 'segm'] as const) {
      const stats = summaryStats(r.out, kind);
      for (const s of stats) expect(s === -1 || (s >= 0 && s <= 1)).toBe(true);
      // No val object is large (> 96^2 pixels) in 128x96 images: pycocotools reports -1 for an empty area range.
      expect(stats[5]).toBe(-1);
      expect(stats[11]).toBe(-1);
    }
    const ids = new Set(valImages.map((im) => im.id));
    const bbox = JSON.parse(readFileSync(path.join(tmp, 'res.bbox.json'), 'utf8'));
    const segm = JSON.parse(readFileSync(path.join(tmp, 'res.segm.json'), 'utf8'));
    expect(bbox.length).toBeGreaterThan(0);
    expect(segm.length).toBe(bbox.length);
    for (const d of bbox) {
      expect(ids.has(d.image_id)).toBe(true);
      expect(d.bbox).toHaveLength(4);
      expect(d.score).toBeGreaterThanOrEqual(0.05);
      expect(d.category_id).toBeGreaterThanOrEqual(1);
      expect(d.category_id).toBeLessThanOrEqual(5);
    }
    for (const d of segm) {
      expect(ids.has(d.image_id)).toBe(true);
      expect(d.segmentation.size).toEqual([H, W]);
      expect(typeof d.segmentation.counts).toBe('string');
      // COCO's compressed RLE alphabet: characters 48..111.
      expect(d.segmentation.counts).toMatch(/^[0-o]+$/);
    }
  });

  it('infer writes a PNG of the input image size', async () => {
    const image = path.join(data, 'val2017', valImages[0]!.file_name);
    const visDir = path.join(tmp, 'vis');
    const r = await runMila('infer', path.join(workDir, 'config.json'), path.join(workDir, 'iter_2.safetensors'), image, '--out-dir', visDir, ...COMMON);
    expect(r.code, r.err).toBe(0);
    const png = path.join(visDir, `${path.basename(image, path.extname(image))}.png`);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([W, H]);
  });

  it('--resume continues from iteration 2 to 3 and matches an uninterrupted 3-iteration run', async () => {
    const resumed = await runMila('train', CONFIG, '--work-dir', workDir, '--resume', ...COMMON, '--set', ...TRAIN_SET, 'runner.max=3');
    expect(resumed.code, resumed.err).toBe(0);
    expect(sidecar(path.join(workDir, 'iter_3')).meta.state.iter).toBe(3);
    const trainIters = readFileSync(path.join(workDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.mode === 'train').map((l) => l.iter);
    expect(trainIters).toEqual([1, 2, 3]);

    const straightDir = path.join(tmp, 'straight');
    const straight = await runMila('train', CONFIG, '--work-dir', straightDir, ...COMMON, '--set', ...TRAIN_SET, 'runner.max=3');
    expect(straight.code, straight.err).toBe(0);
    const a = readSafetensors(path.join(workDir, 'iter_3.safetensors'));
    const b = readSafetensors(path.join(straightDir, 'iter_3.safetensors'));
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-7);
    // The third step moves the weights far more than that tolerance, so a resume that lost state would show.
    expect(maxAbsDiff(a, readSafetensors(path.join(workDir, 'iter_2.safetensors')))).toBeGreaterThan(1e-5);
  });

  it('an unknown --set key and a missing config are one-line errors with exit code 1', async () => {
    const typo = await runMila('train', CONFIG, '--work-dir', path.join(tmp, 'typo'), ...COMMON, '--set', 'runner.maxx=3');
    expect(typo.code).toBe(1);
    expect(typo.err.trim().split('\n')).toEqual(["mila train: --set: unknown config key 'runner.maxx' (did you mean runner.max?)"]);
    expect(existsSync(path.join(tmp, 'typo'))).toBe(false);

    const missing = await runMila('test', path.join(tmp, 'no-such-config.json'), path.join(workDir, 'iter_2'), ...COMMON);
    expect(missing.code).toBe(1);
    const lines = missing.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mila test: .*no-such-config\.json/);

    const unknown = await runMila('train', 'mask_rcnn_mila_tiny_fpn_synthetik', ...COMMON);
    expect(unknown.code).toBe(1);
    expect(unknown.err.trim().split('\n')).toHaveLength(1);
    expect(unknown.err).toContain(`unknown config 'mask_rcnn_mila_tiny_fpn_synthetik' (did you mean ${CONFIG}`);
  });
});
