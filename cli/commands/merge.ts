import type { Command } from 'commander';
import { action } from '../action.js';
import { mergeShards } from '../../tasks/sharding/merge.js';

export function register(program: Command): void {
  program
    .command('merge')
    .description('check that a folder holds every shard of one `test`/`seg-test`/`infer --shard` run, then print what the unsharded command prints and write the merged results')
    .argument('<dir>', 'the --out-dir the shards wrote into')
    .option('--out <file>', 'merged results file prefix, as `mila test --out` (default <dir>/results.json: results.bbox.json, results.segm.json; results.miou.json for mIoU)')
    .action(
      action('merge', (dir: string, opts: { out?: string }) => {
        const { lines, summary } = mergeShards(dir, opts.out ?? null);
        process.stderr.write(`mila merge: ${summary}\n`);
        if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
      }),
    );
}
