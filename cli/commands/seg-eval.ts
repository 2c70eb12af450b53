import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { action } from '../action.js';
import { UserError } from '../../core/errors.js';
import { MIoUAccumulator, type MIoUResult } from '../../eval/miou/accumulator.js';
import { readLabelPngFile as readLabelPng } from '../../core/io/label-png.js';
import { formatMIoUReport } from '../../eval/miou/table.js';

export interface SegEvalCliOptions {
  gtDir: string;
  predDir: string;
  numClasses: string;
  reduceZeroLabel?: boolean;
  ignoreIndex?: string;
  classNames?: string;
  json?: boolean;
}

function integerOption(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

function listPngs(dir: string, what: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`${what} ${dir}: no such directory`);
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.png'))
    .sort();
}

/** Class names from a JSON list or a text file with one name per line. */
function readClassNames(file: string, numClasses: number): string[] {
  if (!existsSync(file)) throw new UserError(`--class-names ${file}: no such file`);
  const text = readFileSync(file, 'utf8');
  let names: string[];
  if (text.trimStart().startsWith('[')) {
    try {
      names = (JSON.parse(text) as unknown[]).map(String);
    } catch (err) {
      throw new UserError(`--class-names ${file}: malformed JSON (${(err as Error).message})`);
    }
  } else names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== numClasses) throw new UserError(`--class-names ${file}: ${names.length} names for ${numClasses} classes`);
  return names;
}

const nullIfNaN = (x: number): number | null => (Number.isNaN(x) ? null : x);

/**
 * `mila seg-eval` without the command line: mmseg's mIoU over label PNGs matched by file name,
 * one image at a time; prints mmseg's tables and, with `json`, a last JSON line.
 */
export function runSegEval(opts: SegEvalCliOptions, out: (line: string) => void = (l) => console.log(l)): MIoUResult {
  const numClasses = integerOption(opts.numClasses, '--num-classes', 1);
  const ignoreIndex = integerOption(opts.ignoreIndex ?? '255', '--ignore-index', 0);
  const classNames = opts.classNames ? readClassNames(opts.classNames, numClasses) : undefined;
  const labels = listPngs(opts.gtDir, '--gt-dir');
  if (labels.length === 0) throw new UserError(`--gt-dir ${opts.gtDir}: no .png label files`);
  const preds = new Set(listPngs(opts.predDir, '--pred-dir'));
  for (const f of labels) {
    if (!preds.has(f)) throw new UserError(`missing prediction ${path.join(opts.predDir, f)} for label ${path.join(opts.gtDir, f)}`);
  }
  const acc = new MIoUAccumulator({ numClasses, ignoreIndex, reduceZeroLabel: opts.reduceZeroLabel ?? false });
  const t0 = performance.now();
  for (const f of labels) {
    const gtFile = path.join(opts.gtDir, f);
    const predFile = path.join(opts.predDir, f);
    const gt = readLabelPng(gtFile);
    const pred = readLabelPng(predFile);
    if (gt.height !== pred.height || gt.width !== pred.width) {
      throw new UserError(`${predFile} is ${pred.width}x${pred.height} but its label ${gtFile} is ${gt.width}x${gt.height}`);
    }
    acc.add(pred.data, gt.data);
  }
  const r = acc.result();
  out(`evaluated ${labels.length} images in ${((performance.now() - t0) / 1000).toFixed(2)}s`);
  for (const line of formatMIoUReport(r, classNames).split('\n')) out(line);
  if (opts.json) {
    out(JSON.stringify({ aAcc: nullIfNaN(r.aAcc), mIoU: nullIfNaN(r.mIoU), mAcc: nullIfNaN(r.mAcc), IoU: r.IoU.map(nullIfNaN), Acc: r.Acc.map(nullIfNaN), numImages: r.numImages }));
  }
  return r;
}

/** `mila seg-eval`: mIoU of prediction PNGs against label PNGs (mmsegmentation's numbers and tables). */
export function register(program: Command): void {
  program
    .command('seg-eval')
    .description('semantic segmentation mIoU of prediction PNGs (class indices 0..N-1) against label PNGs matched by file name (mmseg mean_iou)')
    .requiredOption('--gt-dir <dir>', 'directory of label PNGs (raw values; 255 = ignore)')
    .requiredOption('--pred-dir <dir>', 'directory of prediction PNGs with the same file names, holding class indices 0..N-1')
    .requiredOption('--num-classes <n>', 'number of classes N')
    .option('--reduce-zero-label', 'ADE20K convention: label 0 is ignored and 1..N become 0..N-1')
    .option('--ignore-index <v>', 'label value to ignore', '255')
    .option('--class-names <file>', 'class names for the table: JSON list or one name per line')
    .option('--json', 'end with one JSON line: {"aAcc", "mIoU", "mAcc", "IoU": [...], "Acc": [...]} (fractions, NaN as null)')
    .action(
      action('seg-eval', (opts: SegEvalCliOptions) => {
        runSegEval(opts);
      }),
    );
}
