/**
 * The segmentation workflow end to end through the CLI: a tiny synthetic ADE20K folder from `mila make-data`,
 * `mila train` of the TinyConv UperNet preset for 2 iterations, then `mila seg-test` with its mmseg tables
 * and the `--json` last line. On wasm, in this process (one seg-test worker).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { runMila } from './run-mila.js';

const CONFIG = 'upernet_tinyconv_64x64_500_ade20k';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-seg-e2e-'));
const root = path.join(tmp, 'ade', 'ADEChallengeData2016');
const workDir = path.join(tmp, 'work');
const COMMON = ['--backend', 'wasm', '--no-progress'];
const ADE_CLASSES = 150;

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  const made = await runMila('make-data', '--kind', 'ade20k', '--out', path.join(tmp, 'ade'), '--images', '4', '--val-images', '2', '--size', '64x64');
  expect(made.code, made.err).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Classes present in the val label maps after ADE20K's reduce_zero_label (raw v -> v-1; raw 0 is ignored). */
async function valClasses(): Promise<Set<number>> {
  const dir = path.join(root, 'annotations/validation');
  const present = new Set<number>();
  for (const f of readdirSync(dir)) {
    const { data, info } = await sharp(path.join(dir, f)).raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < data.length; i += info.channels) if (data[i]! > 0 && data[i]! <= ADE_CLASSES) present.add(data[i]! - 1);
  }
  return present;
}

describe('mila train / seg-test on a tiny synthetic ADE20K folder', () => {
  it('trains 2 iterations, then seg-test prints the per-class and summary tables and a JSON last line', async () => {
    const trained = await runMila('train', CONFIG, '--work-dir', workDir, ...COMMON, '--set', `data.root=${root}`, 'runner.max=2', 'runner.checkpointInterval=2', 'runner.evalInterval=1000');
    expect(trained.code, trained.err).toBe(0);
    expect(existsSync(path.join(workDir, 'iter_2.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(workDir, 'iter_2.json'), 'utf8')).meta.state.iter).toBe(2);

    const r = await runMila('seg-test', CONFIG, path.join(workDir, 'iter_2'), '--data-root', root, '--json', '--workers', '1', ...COMMON);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    // mmseg's per-class table: one row per ADE20K class, in the dataset's order.
    const rows = lines.filter((l) => /^\|\s+[a-z]/.test(l) && !/^\|\s+(Class|aAcc)\s+\|/.test(l));
    expect(rows).toHaveLength(ADE_CLASSES);
    expect(rows[0]).toMatch(/^\|\s+wall\s+\|/);
    expect(rows[ADE_CLASSES - 2]).toMatch(/^\|\s+clock\s+\|/);
    expect(rows[ADE_CLASSES - 1]).toMatch(/^\|\s+flag\s+\|/);
    const summaryAt = lines.indexOf('Summary:');
    expect(summaryAt).toBeGreaterThan(0);
    expect(lines.slice(summaryAt).some((l) => /^\|\s+aAcc\s+\|\s+mIoU\s+\|\s+mAcc\s+\|$/.test(l))).toBe(true);

    const json = JSON.parse(lines.at(-1)!);
    expect(json.numImages).toBe(2);
    expect(json.IoU).toHaveLength(ADE_CLASSES);
    expect(json.Acc).toHaveLength(ADE_CLASSES);
    for (const v of [json.aAcc, json.mIoU, json.mAcc, ...json.IoU, ...json.Acc]) if (v !== null) expect(v >= 0 && v <= 1).toBe(true);
    // Acc (per-class recall) is NaN exactly for the classes absent from the ground truth; IoU is defined at
    // least there (union > 0), and mIoU/mAcc are the NaN-skipping means (mmseg's nanmean).
    const present = await valClasses();
    expect(present.size).toBeGreaterThan(0);
    const accDefined = json.Acc.flatMap((v: number | null, c: number) => (v === null ? [] : [c]));
    expect(accDefined).toEqual([...present].sort((a, b) => a - b));
    for (const c of present) expect(json.IoU[c]).not.toBeNull();
    const nanmean = (xs: (number | null)[]) => {
      const d = xs.filter((x): x is number => x !== null);
      return d.reduce((s, x) => s + x, 0) / d.length;
    };
    expect(json.mIoU).toBeCloseTo(nanmean(json.IoU), 6);
    expect(json.mAcc).toBeCloseTo(nanmean(json.Acc), 6);
  });
});
