/**
 * The web page in a real browser: headless Chromium (the system's; see scripts/chromium.mjs) opens the page from
 * the local server (cross-origin isolated), runs the main job's Mask R-CNN and a MILA UperNet on a fixed PNG with
 * checkpoints made here (fixtures.ts), and must report what Node computes on the same bytes through the CLI's code
 * paths (`mila infer`: sharp decoding, file checkpoint; `mila seg-test`), and draw it on its canvas. Screenshots and
 * the results are kept in test-output/browser/. Without Chromium the suite is skipped and says why (under
 * CI=true it fails instead).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { findChromium, launchChromium } from '../../scripts/chromium.mjs';
import { buildWeb } from '../../scripts/web-build.mjs';
import { startWebServer } from '../../scripts/web-server.mjs';
import { getConfig } from '../../configs/index.js';
import { initBackend } from '../../core/backend.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import type { HostImage } from '../../core/types/data.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import { decodeImageFile } from '../../datasets/image/decode-image.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { DetectionTask } from '../../tasks/detection/detection-task.js';
import { segmentImage, testViewOptions } from '../../tasks/segmentation/test-views.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { checkDetectionCanvas, checkSegmentationCanvas, type CanvasPixels } from './canvas-check.js';
import { DETECTOR, SEGMENTOR, detectorCheckpoint, segmentorCheckpoint, shapesImage, writePng } from './fixtures.js';

const OUT = path.resolve('test-output/browser');
const chromium = findChromium();
// As the native tests: without Chromium a notice and a skip, but under CI=true (.ci/run installs it) a failure.
if (!chromium.path && process.env.CI === 'true') {
  it('Chromium is installed (required under CI=true)', () => expect.fail(`test/browser/page.test.ts: ${chromium.why}`));
} else if (!chromium.path) {
  process.stderr.write(`\n*** test/browser/page.test.ts SKIPPED: ${chromium.why} (under CI=true this fails)\n`);
}

/** What the page leaves on window.__milaResult (web/src/result.ts). */
interface PageResult {
  ok: boolean;
  error?: string;
  task: string;
  backend: string;
  backendDescription: string;
  detections?: { boxes: number[]; scores: number[]; labels: number[]; masks: string | null; height: number; width: number; shown: number };
  labelMap?: { data: string; height: number; width: number };
}

const fromBase64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

/**
 * A picture threshold that shows a few detections (2 to 6, so boxes and labels leave most pixels to check) and
 * sits in a clear gap between scores, so both sides draw the same ones.
 */
function pictureThreshold(scores: Float32Array): number {
  const s = [...scores].sort((a, b) => b - a);
  for (let k = 2; k <= 6 && k < s.length; k++) if (s[k - 1]! - s[k]! > 2e-3) return (s[k - 1]! + s[k]!) / 2;
  throw new Error(`no clear gap among the top scores ${s.slice(0, 7).join(', ')}`);
}

/**
 * Pair each Node detection with a page detection of the same label, box within 1e-2 px and score within 1e-3
 * (one-to-one; near-equal scores may come in another order). Returns the page index per Node detection (-1: none).
 */
function matchDetections(node: DetectionResult, page: NonNullable<PageResult['detections']>): number[] {
  const used = new Set<number>();
  return [...node.scores.keys()].map((i) => {
    const j = page.scores.findIndex((s, j) =>
      !used.has(j) && page.labels[j] === node.labels[i] && Math.abs(s - node.scores[i]!) <= 1e-3 &&
      [0, 1, 2, 3].every((k) => Math.abs(page.boxes[4 * j + k]! - node.boxes[4 * i + k]!) <= 1e-2));
    if (j >= 0) used.add(j);
    return j;
  });
}

async function canvasPixels(page: Page): Promise<CanvasPixels> {
  const c = await page.evaluate(() => {
    const canvas = document.getElementById('view') as HTMLCanvasElement;
    const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let s = '';
    for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode(...d.subarray(i, i + 0x8000));
    return { data: btoa(s), width: canvas.width, height: canvas.height };
  });
  return { data: fromBase64(c.data), width: c.width, height: c.height };
}

describe.skipIf(!chromium.path)('the web page in headless Chromium', () => {
  let close: (() => Promise<void>)[] = [];
  let openPage: (query: Record<string, string>) => Promise<{ page: Page; result: PageResult }>;
  let image: HostImage;
  let nodeDetections: DetectionResult;
  let nodeLabels: Uint8Array;
  let detClassNames: string[];
  let scoreThr: number;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    await initBackend('wasm', { quiet: true });
    const site = await buildWeb({ outdir: path.join(OUT, 'site'), minify: false });
    image = shapesImage();
    const png = path.join(OUT, 'shapes.png');
    await writePng(image, png);
    writeSafetensors(path.join(OUT, 'detector.safetensors'), detectorCheckpoint());
    writeSafetensors(path.join(OUT, 'segmentor.safetensors'), segmentorCheckpoint());

    // Node's reference, through the CLI's code: `mila infer` (sharp decoding, checkpoint file) and `mila seg-test`.
    const task = await DetectionTask.create(getConfig(DETECTOR));
    loadModelWeights(task.model, path.join(OUT, 'detector.safetensors'));
    nodeDetections = (await task.predictImage(png)).result;
    detClassNames = ['circle', 'rectangle', 'triangle', 'ring', 'star'];
    scoreThr = pictureThreshold(nodeDetections.scores);
    const segCfg = getConfig(SEGMENTOR);
    const segmentor = new EncoderDecoder(segCfg.model as EncoderDecoderConfig);
    loadModelWeights(segmentor, path.join(OUT, 'segmentor.safetensors'));
    nodeLabels = segmentImage(segmentor, await decodeImageFile(png), testViewOptions(segCfg.data.test.pipeline), (segCfg.model as EncoderDecoderConfig).testCfg);

    const server = await startWebServer({ root: site, files: OUT });
    close.push(server.close);
    const chrome = await launchChromium(chromium.path!);
    close.push(chrome.close);
    openPage = async (query) => {
      const page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e: Error) => errors.push(e.message));
      await page.goto(`${server.url}?${new URLSearchParams({ ...query, image: '/files/shapes.png', thr: String(scoreThr), run: '1' })}`);
      await page.waitForFunction(() => (window as { __milaResult?: unknown }).__milaResult !== undefined, null, { timeout: 240_000 });
      const result = (await page.evaluate(() => (window as { __milaResult?: unknown }).__milaResult)) as PageResult;
      expect(errors, 'page errors').toEqual([]);
      return { page, result };
    };
  });

  afterAll(async () => {
    for (const c of close.reverse()) await c();
    close = [];
  });

  it('has decisive fixtures: several classes, distinct scores, all under the 50-detection cap and over the 0.05 threshold', () => {
    const s = [...nodeDetections.scores];
    expect(s.length).toBeGreaterThan(5);
    expect(s.length).toBeLessThan(50);
    expect(new Set(nodeDetections.labels).size).toBeGreaterThanOrEqual(2);
    expect(Math.min(...s)).toBeGreaterThan(0.051);
    expect(new Set(nodeLabels).size).toBeGreaterThanOrEqual(3);
  });

  it('runs Mask R-CNN on wasm (SIMD, threads available: the page is cross-origin isolated) with Node\'s detections, and draws them', async () => {
    const { page, result } = await openPage({ model: DETECTOR, backend: 'wasm', checkpoint: '/files/detector.safetensors' });
    expect(result.error).toBeUndefined();
    expect(result.backendDescription).toMatch(/^wasm \(SIMD, \d+ threads?\)$/);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const det = result.detections!;
    writeFileSync(path.join(OUT, 'detection.json'), JSON.stringify({ ...det, masks: undefined }, null, 1));
    await page.screenshot({ path: path.join(OUT, 'detection.png'), fullPage: true });

    expect(det.scores.length).toBe(nodeDetections.scores.length);
    const pairs = matchDetections(nodeDetections, det);
    expect(pairs.filter((j) => j < 0).length, 'Node detections without an equal page detection').toBe(0);
    // Masks: pixels that differ between the paired masks, relative to the pixels either marks.
    const pageMasks = fromBase64(det.masks!);
    const plane = nodeDetections.masks!.height * nodeDetections.masks!.width;
    let differ = 0;
    let marked = 0;
    pairs.forEach((j, i) => {
      for (let p = 0; p < plane; p++) {
        const a = nodeDetections.masks!.data[i * plane + p]!;
        const b = pageMasks[j * plane + p]!;
        if (a || b) marked++;
        if (a !== b) differ++;
      }
    });
    expect(marked).toBeGreaterThan(0);
    expect(differ / marked).toBeLessThan(1e-3);

    const pageResult: DetectionResult = {
      boxes: Float32Array.from(det.boxes), scores: Float32Array.from(det.scores), labels: Int32Array.from(det.labels),
      masks: { count: det.scores.length, height: det.height, width: det.width, data: pageMasks },
    };
    const pixels = await canvasPixels(page);
    const report = checkDetectionCanvas(pixels, image, pageResult, detClassNames, scoreThr);
    writeFileSync(path.join(OUT, 'detection-canvas.json'), JSON.stringify(report));
    expect(report.shown).toBe(det.shown);
    expect(report.shown).toBeGreaterThan(0);
    expect(report.pixelsChecked).toBeGreaterThan(image.width * image.height * 0.5);
    expect(report.maskPixelsChecked).toBeGreaterThan(20);
    expect(report.pixelsDiffering).toBeLessThanOrEqual(report.pixelsChecked * 1e-3);
    expect(report.outlinePoints).toBeGreaterThan(10);
    expect(report.outlineMatching).toBeGreaterThan(0.8);
    // The check can tell: the same canvas against the detections without their masks fails it.
    const withoutMasks = { ...pageResult, masks: { ...pageResult.masks!, data: new Uint8Array(pageMasks.length) } };
    expect(checkDetectionCanvas(pixels, image, withoutMasks, detClassNames, scoreThr).pixelsDiffering).toBeGreaterThan(report.maskPixelsChecked / 2);
    await page.close();
  });

  it('runs the MILA UperNet with Node\'s label map and shows the overlay', async () => {
    const { page, result } = await openPage({ model: SEGMENTOR, backend: 'auto', checkpoint: '/files/segmentor.safetensors' });
    expect(result.error).toBeUndefined();
    await page.screenshot({ path: path.join(OUT, 'segmentation.png'), fullPage: true });
    const map = result.labelMap!;
    expect([map.height, map.width]).toEqual([image.height, image.width]);
    const labels = fromBase64(map.data);
    let equal = 0;
    for (let p = 0; p < labels.length; p++) if (labels[p] === nodeLabels[p]) equal++;
    expect(equal / labels.length).toBeGreaterThanOrEqual(0.999);
    const pixels = await canvasPixels(page);
    expect(checkSegmentationCanvas(pixels, image, labels)).toBeGreaterThanOrEqual(0.999);
    expect(checkSegmentationCanvas(pixels, image, labels.map((l) => (l + 1) % 150))).toBeLessThan(0.5);
    await page.close();
  });
});
