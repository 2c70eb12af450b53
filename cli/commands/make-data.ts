import type { Command } from 'commander';
import { action } from '../action.js';
import { UserError } from '../../core/errors.js';
import { writeSyntheticCoco } from '../../datasets/synthetic/coco-synthetic.js';
import { writeSyntheticAde20k } from '../../datasets/synthetic/ade20k-synthetic.js';

interface MakeDataOptions {
  kind: string;
  out: string;
  images: string;
  valImages?: string;
  seed: string;
  size: string;
}

/** `mila make-data`: write a synthetic dataset in the real COCO or ADE20K on-disk format. */
export function register(program: Command): void {
  program
    .command('make-data')
    .description('write a synthetic dataset of textured shapes in the real on-disk format (COCO instances or ADEChallengeData2016)')
    .requiredOption('--kind <kind>', 'coco | ade20k')
    .requiredOption('--out <dir>', 'output folder (created)')
    .option('--images <n>', 'training images', '200')
    .option('--val-images <n>', 'validation images (default: a quarter of --images, at least 1)')
    .option('--seed <s>', 'seed; the same seed writes the same bytes', '0')
    .option('--size <WxH>', 'image size', '320x320')
    .action(
      action('make-data', async (opts: MakeDataOptions) => {
        const train = parseCount(opts.images, '--images');
        const val = opts.valImages === undefined ? Math.max(1, Math.floor(train / 4)) : parseCount(opts.valImages, '--val-images');
        const seed = Number(opts.seed);
        if (!Number.isInteger(seed)) throw new UserError(`--seed must be an integer, got '${opts.seed}'`);
        const m = /^(\d+)x(\d+)$/.exec(opts.size);
        if (!m) throw new UserError(`--size must look like 320x320, got '${opts.size}'`);
        const width = Number(m[1]);
        const height = Number(m[2]);
        if (width < 32 || height < 32 || width > 4096 || height > 4096) throw new UserError(`--size must be between 32x32 and 4096x4096, got '${opts.size}'`);
        const t0 = Date.now();
        const common = { out: opts.out, trainImages: train, valImages: val, seed, width, height };
        if (opts.kind === 'coco') {
          const r = await writeSyntheticCoco(common);
          process.stdout.write(`wrote ${r.images} images, ${r.annotations} annotations (COCO instances) to ${opts.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        } else if (opts.kind === 'ade20k') {
          const r = await writeSyntheticAde20k(common);
          process.stdout.write(`wrote ${r.images} images with label maps (ADEChallengeData2016) to ${opts.out} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
        } else {
          throw new UserError(`--kind must be coco or ade20k, got '${opts.kind}'`);
        }
      }),
    );
}

function parseCount(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${flag} must be a non-negative integer, got '${v}'`);
  return n;
}
