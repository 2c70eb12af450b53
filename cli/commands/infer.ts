import { mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, collectImport, IMPORT_HELP, setupBackend, type ImportOption } from '../action.js';
import { resolveCheckpointArg } from '../../tasks/checkpoint-arg.js';
import { UserError } from '../../core/errors.js';
import { loadExperiment } from '../../train/experiment.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { createTask } from '../../tasks/create-task.js';
import { drawDetections } from '../../tasks/detection/draw-detections.js';
import type { ExperimentConfig } from '../../configs/types.js';
import type { HostImage } from '../../core/types/data.js';
import { decodeImageFile } from '../../datasets/image/decode-image.js';
import type { DetectionResult } from '../../core/types/detection-result.js';
import type { WorkerOptions } from '../../tasks/task.js';
import type { DetectionInferShardSetup } from '../../tasks/detection/detection-infer-shard-task.js';
import { mapInShardTask } from '../../tasks/shard-task.js';
import { cliWorkerCount } from '../worker-count.js';
import { noShardOption, openShardOutput, resolveShard, shardOption, shardsOption, type ShardCliOptions } from '../shard-option.js';
import { drawingFiles } from '../../tasks/detection/drawing-files.js';
import { imagesProgress } from '../../tasks/sharding/shard-progress.js';
import { shardRange, type ShardSpec } from '../../tasks/sharding/shard-spec.js';
import { finishInferShard } from '../../tasks/sharding/infer-shard.js';

interface InferCliOptions extends ImportOption, ShardCliOptions {
  outDir: string;
  scoreThr: string;
  set: string[];
  backend?: string;
  workers?: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command('infer')
    .description('detect objects in images and write PNGs with boxes, class names, scores and translucent masks')
    .argument('<config>', 'preset name or config .json (e.g. work_dirs/<name>/config.json)')
    .argument('<checkpoint>', 'weights: .safetensors (or a training checkpoint base path), an mmdet .pth, or zoo:<name> (mila zoo)')
    .argument('<image...>', 'image files (jpg/png/...)')
    .requiredOption('--out-dir <dir>', 'where the PNGs go (<image name>.png); with --shard, also the folder all shards write their parts into')
    .option('--score-thr <t>', 'draw detections scoring at least this', '0.3')
    .option('--set <key=value...>', 'override config keys', [])
    .option('--import <module>', IMPORT_HELP, collectImport, [] as string[])
    .option('--backend <name>', 'tfjs backend: auto|tensorflow-gpu|tensorflow|native|wasm|cpu')
    .option('--workers <n>', 'worker threads sharing the images, each with its own backend and model (default: the number of cores; 1 = in this thread)')
    .option('--no-progress', 'no progress bar')
    .addOption(shardOption())
    .addOption(shardsOption())
    .addOption(noShardOption())
    .action(
      action('infer', async (configArg: string, checkpointArg: string, images: string[], opts: InferCliOptions) => {
        const scoreThr = Number(opts.scoreThr);
        if (!(scoreThr >= 0 && scoreThr <= 1)) throw new UserError(`--score-thr must be in [0, 1], got '${opts.scoreThr}'`);
        const workers = cliWorkerCount(opts.workers);
        const cfg = loadExperiment(configArg, opts.set, opts.import);
        if (cfg.task !== 'detection') throw new UserError(`${cfg.name}: mila infer draws detections; for segmentation use mila seg-test --show-dir`);
        const shard = resolveShard(opts);
        // Shards split the images by sorted position (the same in every shard, whatever order a shell expanded them in).
        const all = shard ? images.map((p) => resolve(p)).sort() : images;
        const { start, end } = shard ? shardRange(all.length, shard) : { start: 0, end: all.length };
        const mine = all.slice(start, end);
        const backend = await setupBackend(opts);
        const checkpoint = await resolveCheckpointArg(checkpointArg, { progress: opts.progress });
        const output = shard ? openShardOutput(shard, opts.outDir, 'infer', cfg, checkpoint) : null;
        const task = await createTask(cfg);
        const report = loadModelWeights(task.model, checkpoint);
        if (report) process.stderr.write(`${report}\n`);
        task.model.eval();
        const names = await task.classNames();
        mkdirSync(opts.outDir, { recursive: true });
        const shards = workers > 1 && mine.length > 1 ? { count: workers, checkpoint, backend } : undefined;
        const files = drawingFiles(all, opts.outDir).slice(start, end);
        const written = await inferImages(task, names, mine, opts.outDir, scoreThr, opts.progress, shards, { files, shard });
        if (output) {
          process.stdout.write(`${finishInferShard(output, { all, start, end, written, run: { scoreThr, backend } })}\n`);
          return;
        }
        for (const w of written) process.stdout.write(`${w.out}: ${w.drawn} detections drawn (${w.total} above 0.05)\n`);
      }),
    );
}

/** Predict and draw each image; shared with `mila start`. */
export async function inferImages(
  task: Awaited<ReturnType<typeof createTask>>,
  classNames: string[],
  images: readonly string[],
  outDir: string,
  scoreThr: number,
  progressBar = true,
  workers?: WorkerOptions,
  naming?: { files: readonly string[]; shard: ShardSpec | null },
): Promise<{ image: string; out: string; drawn: number; total: number; seconds: number }[]> {
  if (!task.predictImage) throw new UserError(`${task.config.name}: this task cannot predict single images`);
  const predictions = workers ? predictInWorkers(task.config, images, workers) : predictInProcess(task, images);
  const progress = imagesProgress('infer', images.length, progressBar, naming?.shard);
  const files = naming?.files ?? drawingFiles(images, outDir);
  const out: { image: string; out: string; drawn: number; total: number; seconds: number }[] = [];
  try {
    let t0 = performance.now();
    let i = 0;
    for await (const { image, result } of predictions) {
      const path = images[i]!;
      const file = files[i]!;
      const drawn = await drawDetections(image, result, classNames, file, scoreThr);
      // With workers this is the time between finished images, not one image's compute time.
      out.push({ image: path, out: file, drawn, total: result.scores.length, seconds: (performance.now() - t0) / 1000 });
      t0 = performance.now();
      progress.update(++i, basename(path));
    }
  } finally {
    progress.stop();
  }
  return out;
}

type Prediction = { image: HostImage; result: DetectionResult };

async function* predictInProcess(task: Awaited<ReturnType<typeof createTask>>, images: readonly string[]): AsyncGenerator<Prediction> {
  for (const path of images) yield await task.predictImage!(path);
}

/** Detections from worker threads (tasks/detection/detection-infer-shard-task.ts) in image order; the image is decoded here again for drawing. */
async function* predictInWorkers(config: ExperimentConfig, images: readonly string[], workers: WorkerOptions): AsyncGenerator<Prediction> {
  const setup: DetectionInferShardSetup = { backend: workers.backend, imports: config.customImports, checkpoint: workers.checkpoint, config };
  let i = 0;
  for await (const result of mapInShardTask<DetectionInferShardSetup, string, DetectionResult>('tasks/detection/detection-infer-shard-task.js', setup, images, workers.count)) {
    yield { image: await decodeImageFile(images[i++]!), result };
  }
}
