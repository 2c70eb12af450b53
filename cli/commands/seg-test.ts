import path from 'node:path';
import type { Command } from 'commander';
import { action, collectImport, IMPORT_HELP, setupBackend, type ImportOption } from '../action.js';
import { resolveCheckpointArg } from '../../tasks/checkpoint-arg.js';
import { UserError } from '../../core/errors.js';
import { loadExperiment } from '../../train/experiment.js';
import { importCustomModules } from '../../train/custom-imports.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { formatMIoUReport } from '../../eval/miou/table.js';
import { EncoderDecoder, type EncoderDecoderConfig, type SegTestConfig } from '../../models/segmentor/encoder-decoder.js';
import { listAde20kSplit } from '../../datasets/ade20k/ade20k-split.js';
import { ADE20K_CLASSES } from '../../datasets/ade20k/ade20k-classes.js';
import { evaluateSegmentor, type SegEvaluateOptions, type SegEvaluateResult } from '../../tasks/segmentation/evaluate.js';
import { evaluateSegmentorInWorkers } from '../../tasks/segmentation/evaluate-workers.js';
import { cliWorkerCount } from '../worker-count.js';
import { testViewOptions } from '../../tasks/segmentation/test-views.js';
import { findStep } from '../../tasks/config-pipeline.js';
import { noShardOption, openShardOutput, resolveShard, shardOption, shardsOption, type ShardCliOptions } from '../shard-option.js';
import { shardRange } from '../../tasks/sharding/shard-spec.js';
import { imagesProgress } from '../../tasks/sharding/shard-progress.js';
import { finishSegTestShard } from '../../tasks/sharding/seg-test-shard.js';

interface SegTestCliOptions extends ImportOption, ShardCliOptions {
  dataRoot: string;
  split: string;
  mode?: string;
  augTest?: boolean;
  outDir?: string;
  showDir?: string;
  json?: boolean;
  limit?: string;
  set: string[];
  backend?: string;
  workers?: string;
  progress: boolean;
}

/** Worker failures arrive as plain errors naming the item; they are the user's one-line error. */
async function evaluateInWorkers(...args: Parameters<typeof evaluateSegmentorInWorkers>): Promise<SegEvaluateResult> {
  try {
    return await evaluateSegmentorInWorkers(...args);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${(e as Error).message}`);
  }
}

const nullIfNaN = (x: number): number | null => (Number.isNaN(x) ? null : x);

export function register(program: Command): void {
  program
    .command('seg-test')
    .description('semantic segmentation: run a segmentor over an ADE20K-format split and print mmseg\'s mIoU tables')
    .argument('<config>', 'preset name (`mila configs`) or config .json')
    .argument('<checkpoint>', 'weights: our .safetensors (or a training checkpoint base path), an mmseg .pth, or zoo:<name> (mila zoo)')
    .requiredOption('--data-root <dir>', 'the ADEChallengeData2016 folder (images/<split>, annotations/<split>)')
    .option('--split <name>', 'split folder name', 'validation')
    .option('--mode <mode>', 'whole | slide (default: the config\'s test_cfg)')
    .option('--aug-test', 'multi-scale (ratios 0.5..1.75) and flip test, softmax-averaged (the "MS" numbers)')
    .option('--out-dir <dir>', 'write predictions as PNG label maps (class indices 0..N-1); with --shard, also the folder all shards write their parts into')
    .option('--show-dir <dir>', 'write colour overlays (ADE20K palette, opacity 0.5)')
    .option('--json', 'end with one JSON line: aAcc, mIoU, mAcc, IoU, Acc (fractions, NaN as null), numImages, imagesPerSecond, peakRssMB')
    .option('--limit <n>', 'evaluate only the first n images')
    .option('--set <key=value...>', 'override config keys', [])
    .option('--import <module>', IMPORT_HELP, collectImport, [] as string[])
    .option('--backend <name>', 'tfjs backend: auto|tensorflow-gpu|tensorflow|native|wasm|cpu')
    .option('--workers <n>', 'worker threads sharing the images, each with its own backend and model (default: the number of cores; 1 = in this thread)')
    .option('--no-progress', 'no progress bar')
    .addOption(shardOption())
    .addOption(shardsOption())
    .addOption(noShardOption())
    .action(
      action('seg-test', async (configArg: string, checkpointArg: string, opts: SegTestCliOptions) => {
        const cfg = loadExperiment(configArg, opts.set, opts.import);
        const modelCfg = cfg.model as EncoderDecoderConfig;
        if (cfg.task !== 'segmentation' || modelCfg.type !== 'EncoderDecoder') {
          throw new UserError(`${cfg.name}: not a segmentation (EncoderDecoder) config; use \`mila test\` for detectors`);
        }
        if (opts.mode !== undefined && opts.mode !== 'whole' && opts.mode !== 'slide') throw new UserError(`--mode must be whole or slide, got '${opts.mode}'`);
        const limit = opts.limit === undefined ? undefined : Number(opts.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UserError(`--limit must be a positive integer, got '${opts.limit}'`);
        let workers = cliWorkerCount(opts.workers);
        const shard = resolveShard(opts);
        if (shard && opts.json) throw new UserError('--json: a shard prints no metrics; `mila merge DIR` prints them and writes DIR/results.miou.json');
        let all = listAde20kSplit(opts.dataRoot, opts.split);
        if (limit !== undefined) all = all.slice(0, limit);
        const { start, end } = shard ? shardRange(all.length, shard) : { start: 0, end: all.length };
        const items = all.slice(start, end);

        // One worker (or one image) keeps everything in this thread: no worker start-up, no dist/ needed.
        workers = Math.min(workers, items.length);
        const backend = await setupBackend(opts);
        await importCustomModules(cfg.customImports);
        const checkpoint = await resolveCheckpointArg(checkpointArg, { progress: opts.progress });
        const output = shard ? openShardOutput(shard, opts.outDir, 'seg-test', cfg, checkpoint) : null;
        const model = new EncoderDecoder(modelCfg);
        const report = loadModelWeights(model, checkpoint);
        if (report) process.stderr.write(`${report}\n`);
        const testCfg: SegTestConfig = { ...modelCfg.testCfg, mode: (opts.mode as SegTestConfig['mode'] | undefined) ?? modelCfg.testCfg.mode };
        const views = testViewOptions(cfg.data.test.pipeline, opts.augTest === true);
        const numClasses = modelCfg.decodeHead.numClasses;
        const reduceZeroLabel = cfg.data.type === 'ADE20KDataset' || findStep(cfg.data.test.pipeline, 'LoadAnnotations')?.reduceZeroLabel === true;

        const progress = imagesProgress('seg-test', items.length, opts.progress, shard);
        const t0 = performance.now();
        let result;
        try {
          const evalOpts: SegEvaluateOptions = {
            testCfg,
            views,
            numClasses,
            reduceZeroLabel,
            outDir: opts.outDir ?? null,
            showDir: opts.showDir ?? null,
            onImage: (done) => progress.update(done, `${(done / ((performance.now() - t0) / 1000)).toFixed(2)} img/s`),
          };
          result = workers > 1 ? await evaluateSegmentorInWorkers(items, { backend, model: modelCfg, checkpoint, imports: cfg.customImports, testCfg, views }, workers, evalOpts) : await evaluateSegmentor(model, items, evalOpts);
        } finally {
          progress.stop();
          model.dispose();
        }
        if (output) {
          const run = { dataRoot: path.resolve(opts.dataRoot), split: opts.split, limit: limit ?? null, mode: testCfg.mode, views, reduceZeroLabel, backend };
          const classNames = numClasses === ADE20K_CLASSES.length ? ADE20K_CLASSES : null;
          process.stdout.write(`${finishSegTestShard(output, { all, start, end, totals: result.totals, classNames, showDir: opts.showDir ?? null, run })}\n`);
          return;
        }
        const r = result.metrics;
        const peakRssMB = Math.round(result.peakRss / 2 ** 20);
        const nViews = (views.ratios?.length ?? 1) * (views.flip ? 2 : 1);
        const lines = [
          `seg-test: ${items.length} images in ${result.seconds.toFixed(1)}s (${result.imagesPerSecond.toFixed(2)} img/s), mode ${testCfg.mode}, ${nViews} view(s) per image, peak RSS ${peakRssMB} MB`,
          ...formatMIoUReport(r, numClasses === ADE20K_CLASSES.length ? ADE20K_CLASSES : undefined).split('\n'),
        ];
        if (opts.outDir) lines.push(`predictions written to ${opts.outDir}`);
        if (opts.showDir) lines.push(`overlays written to ${opts.showDir}`);
        if (opts.json) {
          lines.push(
            JSON.stringify({
              aAcc: nullIfNaN(r.aAcc),
              mIoU: nullIfNaN(r.mIoU),
              mAcc: nullIfNaN(r.mAcc),
              IoU: r.IoU.map(nullIfNaN),
              Acc: r.Acc.map(nullIfNaN),
              numImages: r.numImages,
              imagesPerSecond: result.imagesPerSecond,
              peakRssMB,
            }),
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}
