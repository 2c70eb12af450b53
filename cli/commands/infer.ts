import { mkdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { action, setupBackend } from '../action.js';
import { UserError } from '../errors.js';
import { loadExperiment } from '../../train/experiment.js';
import { loadModelWeights } from '../../train/model-weights.js';
import { createTask } from '../../train/tasks.js';
import { drawDetections } from '../../train/draw-detections.js';
import { Progress } from '../../train/progress.js';

interface InferCliOptions {
  outDir: string;
  scoreThr: string;
  set: string[];
  backend?: string;
  progress: boolean;
}

export function register(program: Command): void {
  program
    .command('infer')
    .description('detect objects in images and write PNGs with boxes, class names, scores and translucent masks')
    .argument('<config>', 'preset name or config .json (e.g. work_dirs/<name>/config.json)')
    .argument('<checkpoint>', 'weights: .safetensors (or a training checkpoint base path) or an mmdet .pth')
    .argument('<image...>', 'image files (jpg/png/...)')
    .requiredOption('--out-dir <dir>', 'where the PNGs go (<image name>.png)')
    .option('--score-thr <t>', 'draw detections scoring at least this', '0.3')
    .option('--set <key=value...>', 'override config keys', [])
    .option('--backend <name>', 'tfjs backend: auto|tensorflow-gpu|tensorflow|wasm|cpu')
    .option('--no-progress', 'no progress bar')
    .action(
      action('infer', async (configArg: string, checkpoint: string, images: string[], opts: InferCliOptions) => {
        const scoreThr = Number(opts.scoreThr);
        if (!(scoreThr >= 0 && scoreThr <= 1)) throw new UserError(`--score-thr must be in [0, 1], got '${opts.scoreThr}'`);
        const cfg = loadExperiment(configArg, opts.set);
        if (cfg.task !== 'detection') throw new UserError(`${cfg.name}: mila infer draws detections; for segmentation use mila seg-test --show-dir`);
        await setupBackend(opts);
        const task = await createTask(cfg);
        const report = loadModelWeights(task.model, checkpoint);
        if (report) process.stderr.write(`${report}\n`);
        task.model.eval();
        const names = await task.classNames();
        mkdirSync(opts.outDir, { recursive: true });
        const written = await inferImages(task, names, images, opts.outDir, scoreThr, opts.progress);
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
): Promise<{ image: string; out: string; drawn: number; total: number; seconds: number }[]> {
  if (!task.predictImage) throw new UserError(`${task.config.name}: this task cannot predict single images`);
  const progress = new Progress('infer', images.length, { enabled: progressBar, unit: 'images' });
  const out: { image: string; out: string; drawn: number; total: number; seconds: number }[] = [];
  const used = new Set<string>();
  try {
    for (const [i, path] of images.entries()) {
      const t0 = performance.now();
      const { image, result } = await task.predictImage(path);
      let name = basename(path, extname(path));
      while (used.has(name)) name += '_';
      used.add(name);
      const file = join(outDir, `${name}.png`);
      const drawn = await drawDetections(image, result, classNames, file, scoreThr);
      out.push({ image: path, out: file, drawn, total: result.scores.length, seconds: (performance.now() - t0) / 1000 });
      progress.update(i + 1, basename(path));
    }
  } finally {
    progress.stop();
  }
  return out;
}
