/**
 * Measure the images/s a loader sustains: `node dist/datasets/loader/loader-throughput.js
 * <coco-root> <split> <batches> <workers> [det-test|det-train-3x]` (a COCO-format folder such as
 * `mila make-data --kind coco` writes). Prints one line.
 */
import { join } from 'node:path';
import { CocoInstances } from '../coco/coco-instances.js';
import { DET_TEST, DET_TRAIN_MLLA_3X } from '../pipelines/pipeline-spec.js';
import { detLoader } from './data-loader.js';

export async function measureCocoLoader(root: string, split: string, batches: number, workers: number, pipeline: 'det-test' | 'det-train-3x'): Promise<string> {
  const test = pipeline === 'det-test';
  const ds = new CocoInstances({ annFile: join(root, 'annotations', `instances_${split}.json`), imgPrefix: join(root, split), testMode: test, withMask: !test });
  const loader = detLoader({ dataset: ds, pipeline: { kind: 'det', transforms: test ? DET_TEST : DET_TRAIN_MLLA_3X }, batchSize: 2, workers, prefetch: Math.max(2, workers), seed: 0 });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let images = 0;
  let shape = '';
  for await (const { batch } of loader.batches(0, batches)) {
    images += batch.metas.length;
    shape = batch.shape.join('x');
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerImage = (cpu.user + cpu.system) / 1000 / images;
  await loader.close();
  return `${pipeline} ${split}: ${images} images in ${s.toFixed(2)} s = ${(images / s).toFixed(1)} images/s, ${cpuMsPerImage.toFixed(0)} ms CPU per image (workers ${workers}, last batch ${shape})`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [root, split, batches, workers, pipeline] = process.argv.slice(2);
  measureCocoLoader(root!, split ?? 'val2017', Number(batches ?? 20), Number(workers ?? 0), (pipeline as 'det-test') ?? 'det-test').then(
    (line) => console.log(line),
    (err) => {
      console.error((err as Error).message);
      process.exitCode = 1;
    },
  );
}
