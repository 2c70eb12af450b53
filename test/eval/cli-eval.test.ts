import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMila } from '../cli/run-mila.js';
import { writeLabelPng } from '../../tasks/segmentation/visualize.js';
import { GOLDEN_COCO, GOLDEN_MIOU } from './golden-paths.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-eval-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run `mila <args>` with only our two commands registered; capture stdout lines, stderr and the exit code. */
async function mila(args: string[]): Promise<{ out: string[]; err: string; code: number }> {
  const r = await runMila(...args);
  return { out: r.lines, err: r.err, code: r.code };
}

describe('mila coco-eval', () => {
  it('prints the pycocotools table and ends with the JSON stats (golden bbox_only_edge)', async () => {
    const dir = path.join(GOLDEN_COCO, 'bbox_only_edge');
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')).bbox;
    const r = await mila(['coco-eval', '--gt', path.join(dir, 'gt.json'), '--dt', path.join(dir, 'dt.json'), '--iou-type', 'bbox', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const last = JSON.parse(r.out[r.out.length - 1]!);
    expect(last.stats.length).toBe(12);
    last.stats.forEach((s: number, i: number) => expect(Math.abs(s - expected.stats[i])).toBeLessThanOrEqual(1e-6));
    expect(r.out.slice(-13, -1)).toEqual(expected.summary_lines);
    expect(last.numImages).toBe(9);
  });

  it('segm on random_small via the same command', async () => {
    const dir = path.join(GOLDEN_COCO, 'random_small');
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')).segm;
    const r = await mila(['coco-eval', '--gt', path.join(dir, 'gt.json'), '--dt', path.join(dir, 'dt.json'), '--iou-type', 'segm', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[r.out.length - 1]!).stats.map((s: number) => s.toFixed(12))).toEqual(expected.stats.map((s: number) => s.toFixed(12)));
  });

  it('--max-dets changes the AR rows and AP looks maxDets up by value', async () => {
    const dir = path.join(GOLDEN_COCO, 'bbox_only_edge');
    const r = await mila(['coco-eval', '--gt', path.join(dir, 'gt.json'), '--dt', path.join(dir, 'dt.json'), '--iou-type', 'bbox', '--max-dets', '1,10,50', '--json']);
    expect(r.code).toBe(0);
    const stats = JSON.parse(r.out[r.out.length - 1]!).stats as number[];
    // pycocotools: stats[0] asks for maxDets=100, which is no longer in the list, so it is -1.
    // AR at 50 lies between the golden AR10 and AR100, which are both 0.528 on this case.
    expect(stats[0]).toBe(-1);
    expect(r.out).toContain(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 50 ] = 0.528');
  });

  it('errors are one line and exit code 1', async () => {
    const gt = path.join(GOLDEN_COCO, 'bbox_only_edge', 'gt.json');
    const badIds = path.join(tmp, 'bad-ids.json');
    writeFileSync(badIds, JSON.stringify([{ image_id: 424242, category_id: 1, bbox: [0, 0, 5, 5], score: 0.9 }]));
    const malformed = path.join(tmp, 'malformed.json');
    writeFileSync(malformed, '[{"image_id": 1, ');
    const cases: [string[], RegExp][] = [
      [['--dt', badIds, '--iou-type', 'bbox'], /bad-ids\.json: detection 0 has image_id 424242, which is not in the ground truth/],
      [['--dt', malformed, '--iou-type', 'bbox'], /malformed\.json: malformed JSON/],
      [['--dt', path.join(tmp, 'nope.json'), '--iou-type', 'bbox'], /nope\.json: no such file/],
      [['--dt', badIds, '--iou-type', 'keypoints'], /--iou-type must be bbox or segm/],
      [['--dt', badIds, '--iou-type', 'bbox', '--max-dets', '1,10'], /--max-dets must be at least 3/],
    ];
    for (const [args, re] of cases) {
      const r = await mila(['coco-eval', '--gt', gt, ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(re);
      expect(r.err.trimEnd().split('\n').length).toBe(1);
      expect(r.err.startsWith('mila coco-eval: ')).toBe(true);
    }
  });
});

describe('mila seg-eval', () => {
  it('prints the tables and ends with the JSON metrics (golden ade_like_small)', async () => {
    const dir = path.join(GOLDEN_MIOU, 'ade_like_small');
    const e = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8'));
    const r = await mila(['seg-eval', '--gt-dir', path.join(dir, 'gt'), '--pred-dir', path.join(dir, 'pred'), '--num-classes', '150', '--reduce-zero-label', '--json']);
    expect(r.code).toBe(0);
    const last = JSON.parse(r.out[r.out.length - 1]!);
    for (const k of ['aAcc', 'mIoU', 'mAcc'] as const) expect(Math.abs(last[k] - e[k])).toBeLessThanOrEqual(1e-12);
    expect(last.IoU.length).toBe(150);
    (last.IoU as (number | null)[]).forEach((v, c) => {
      if (e.IoU[c] === null) expect(v).toBeNull();
      else expect(Math.abs(v! - e.IoU[c])).toBeLessThanOrEqual(1e-12);
    });
    expect(r.out).toContain('Summary:');
  });

  it('errors: missing prediction, size mismatch, bad directory', async () => {
    const src = path.join(GOLDEN_MIOU, 'plain_ignore');
    const gtDir = path.join(tmp, 'gt');
    const predDir = path.join(tmp, 'pred');
    mkdirSync(gtDir);
    mkdirSync(predDir);
    copyFileSync(path.join(src, 'gt', 'img_000.png'), path.join(gtDir, 'a.png'));
    copyFileSync(path.join(src, 'gt', 'img_001.png'), path.join(gtDir, 'b.png'));
    copyFileSync(path.join(src, 'pred', 'img_000.png'), path.join(predDir, 'a.png'));
    let r = await mila(['seg-eval', '--gt-dir', gtDir, '--pred-dir', predDir, '--num-classes', '5']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing prediction .*pred\/b\.png for label .*gt\/b\.png/);
    const sizes = JSON.parse(readFileSync(path.join(src, 'expected.json'), 'utf8')).image_sizes_hw as number[][];
    expect(sizes[0]).not.toEqual(sizes[1]);
    copyFileSync(path.join(src, 'pred', 'img_001.png'), path.join(predDir, 'a.png'));
    copyFileSync(path.join(src, 'pred', 'img_001.png'), path.join(predDir, 'b.png'));
    r = await mila(['seg-eval', '--gt-dir', gtDir, '--pred-dir', predDir, '--num-classes', '5']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pred\/a\.png is \d+x\d+ but its label .*gt\/a\.png is \d+x\d+/);
    expect(r.err.trimEnd().split('\n').length).toBe(1);
    r = await mila(['seg-eval', '--gt-dir', path.join(tmp, 'none'), '--pred-dir', predDir, '--num-classes', '5']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--gt-dir .*none: no such directory/);
  });

  it('a predicted class outside 0..N-1 is an error naming the file, the value and the pixel (not a lower mIoU)', async () => {
    const gtDir = path.join(tmp, 'range-gt');
    const predDir = path.join(tmp, 'range-pred');
    mkdirSync(gtDir);
    mkdirSync(predDir);
    const labels = Uint8Array.from({ length: 12 }, (_, i) => 1 + (i % 5));
    const pred = Uint8Array.from(labels, (v) => v - 1);
    writeLabelPng(path.join(gtDir, 'x.png'), labels, 3, 4);
    writeLabelPng(path.join(predDir, 'x.png'), pred, 3, 4);
    const ok = await mila(['seg-eval', '--gt-dir', gtDir, '--pred-dir', predDir, '--num-classes', '150', '--reduce-zero-label']);
    expect(ok.code, ok.err).toBe(0);
    for (const [value, classes] of [[250, 150], [150, 150], [5, 5]] as const) {
      pred[6] = value;
      writeLabelPng(path.join(predDir, 'x.png'), pred, 3, 4);
      const r = await mila(['seg-eval', '--gt-dir', gtDir, '--pred-dir', predDir, '--num-classes', String(classes), '--reduce-zero-label']);
      expect(r.code).toBe(1);
      expect(r.err.trimEnd().split('\n')).toEqual([
        `mila seg-eval: ${path.join(predDir, 'x.png')}: predicted class ${value} at pixel (x 2, y 1) is outside 0..${classes - 1} (--num-classes ${classes})`,
      ]);
    }
  });
});
