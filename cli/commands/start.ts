import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { action, setupBackend } from '../action.js';
import { applyOverrides, getConfig } from '../../configs/index.js';
import { MAIN_JOB_DATA } from '../../configs/main-job.js';
import { writeSyntheticCoco } from '../../datasets/synthetic/coco-synthetic.js';
import { lockWorkDir } from '../../core/io/work-dir-lock.js';
import { runTraining } from '../../tasks/run-training.js';
import { formatDuration } from '../../train/progress.js';
import { inferImages } from './infer.js';

interface StartCliOptions {
  workDir: string;
  data: string;
  timeLimit: string;
  set: string[];
  backend?: string;
  progress: boolean;
}

/** Seconds kept for the final evaluation and the pictures when the time limit cuts training short. */
const RESERVED_FOR_EVAL_S = 150;

export function register(program: Command): void {
  program
    .command('start')
    .description('the main job: make the synthetic COCO-format dataset if absent, train a small MILA Mask R-CNN on it, evaluate bbox/segm mAP on its val split, draw a few pictures')
    .option('--work-dir <dir>', 'checkpoints, logs, results and pictures', 'work_dirs/main_job')
    .option('--data <dir>', 'the synthetic dataset folder (written if absent)', MAIN_JOB_DATA.root)
    .option('--time-limit <minutes>', 'stop training early so that everything ends within this many minutes', '15')
    .option('--set <key=value...>', 'override keys of the mask_rcnn_mila_main_job config', [])
    .option('--backend <name>', 'tfjs backend: auto|tensorflow-gpu|tensorflow|native|wasm|cpu')
    .option('--no-progress', 'no progress bars (log lines only)')
    .action(
      action('start', async (opts: StartCliOptions) => {
        const t0 = Date.now();
        const limitMin = Number(opts.timeLimit);
        const say = (line: string) => process.stdout.write(`${line}\n`);
        await setupBackend(opts);

        if (!existsSync(join(opts.data, 'annotations', 'instances_val2017.json'))) {
          say(`[1/4] writing the synthetic COCO-format dataset to ${opts.data} (${MAIN_JOB_DATA.trainImages} train + ${MAIN_JOB_DATA.valImages} val images, ${MAIN_JOB_DATA.size}x${MAIN_JOB_DATA.size})`);
          const { size, trainImages, valImages, seed } = MAIN_JOB_DATA;
          const r = await writeSyntheticCoco({ out: opts.data, trainImages, valImages, seed, width: size, height: size });
          say(`      ${r.images} images, ${r.annotations} annotations in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        } else {
          say(`[1/4] using the synthetic dataset in ${opts.data}`);
        }

        const cfg = getConfig('mask_rcnn_mila_main_job');
        cfg.data.root = opts.data;
        applyOverrides(cfg, opts.set);
        mkdirSync(opts.workDir, { recursive: true });
        // The whole job holds the work dir (runTraining's own lock nests in it): a second `mila start` there must
        // not delete this one's checkpoints.
        const lock = lockWorkDir(opts.workDir, (line) => process.stderr.write(`${line}\n`));
        try {
          // A fresh run every time: stale checkpoints of an earlier run must not be mistaken for this one's.
          for (const f of readdirSync(opts.workDir)) if (/^(iter|epoch)_\d+\.|^last_checkpoint$|^log\.jsonl$/.test(f)) rmSync(join(opts.workDir, f));

          say(`[2/4] training ${cfg.name} (${cfg.runner.max} ${cfg.runner.type === 'iter' ? 'iterations' : 'epochs'}, batch ${cfg.data.samplesPerGpu}) into ${opts.workDir}`);
          const deadline = Number.isFinite(limitMin) && limitMin > 0 ? t0 + limitMin * 60_000 - RESERVED_FOR_EVAL_S * 1000 : undefined;
          const trained = await runTraining(cfg, { workDir: opts.workDir, progress: opts.progress, deadline, noEval: true });
          const trainSeconds = trained.result.seconds;
          const perIter = trainSeconds / Math.max(1, trained.result.iter);

          say(`[3/4] evaluating bbox and segm on ${cfg.data.val.imgPrefix} of ${opts.data}`);
          const resultsPath = join(opts.workDir, 'results.json');
          const report = await trained.task.evaluate({ split: 'val', out: resultsPath, progress: opts.progress });
          for (const line of report.lines) say(line);

          say('[4/4] drawing detections on the first val images');
          const visDir = join(opts.workDir, 'vis');
          mkdirSync(visDir, { recursive: true });
          const valDir = join(opts.data, cfg.data.val.imgPrefix);
          const images = readdirSync(valDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, 6).map((f) => join(valDir, f));
          const drawn = await inferImages(trained.task, await trained.task.classNames(), images, visDir, 0.3, opts.progress);

          const m = report.metrics;
          const total = (Date.now() - t0) / 1000;
          say('');
          say(`main job done in ${formatDuration(total)} (training ${trained.result.iter} iterations in ${formatDuration(trainSeconds)}, ${perIter.toFixed(2)} s/iteration)`);
          say(`  bbox: AP ${m.bbox_mAP!.toFixed(3)}  AP50 ${m.bbox_mAP_50!.toFixed(3)}  AP75 ${m.bbox_mAP_75!.toFixed(3)}`);
          say(`  segm: AP ${m.segm_mAP!.toFixed(3)}  AP50 ${m.segm_mAP_50!.toFixed(3)}  AP75 ${m.segm_mAP_75!.toFixed(3)}`);
          say(`  pictures: ${drawn.length} PNGs in ${resolve(visDir)}`);
          say(`  checkpoint: ${trained.lastCheckpoint}.safetensors  (mila test ${join(opts.workDir, 'config.json')} ${trained.lastCheckpoint} --eval bbox segm)`);
          say(`  results: ${resultsPath.replace(/\.json$/, '')}.{bbox,segm}.json`);
        } finally {
          lock.release();
        }
      }),
    );
}
