import type { Command } from 'commander';
import { action } from '../action.js';
import { describeMetrics, isZooCached, ZOO, ZOO_SOURCES, zooCacheDir, zooEntry, zooPaths, zooUrl } from '../../core/zoo/index.js';
import { resolveCheckpointArg, ZOO_PREFIX } from '../../tasks/checkpoint-arg.js';

export function register(program: Command): void {
  program
    .command('zoo')
    .description('the official MLLA checkpoints with the paper\'s numbers; with a name, download it into the cache and print its path')
    .argument('[name]', 'a zoo checkpoint to fetch (also usable anywhere as --checkpoint zoo:<name>)')
    .option('--json', 'the list as JSON lines')
    .option('--no-progress', 'no progress bar')
    .action(
      action('zoo', async (name: string | undefined, opts: { json?: boolean; progress: boolean }) => {
        if (name !== undefined) {
          zooEntry(name);
          console.log(await resolveCheckpointArg(`${ZOO_PREFIX}${name}`, { progress: opts.progress }));
          return;
        }
        if (opts.json) {
          for (const e of ZOO) console.log(JSON.stringify({ ...e, url: zooUrl(e), cached: isZooCached(e.name) ? zooPaths(e.name).file : null }));
          return;
        }
        const rows = ZOO.map((e) => [e.name, e.task, e.preset, describeMetrics(e), isZooCached(e.name) ? 'cached' : '-', zooUrl(e)]);
        const head = ['name', 'task', 'loads into', 'paper', 'cache', 'download'];
        const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [head, ...rows]) console.log(r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  '));
        console.log(`\nsources: ${Object.values(ZOO_SOURCES).join(', ')}`);
        console.log(`cache: ${zooCacheDir()} ($XDG_CACHE_HOME/mila-dense); use a checkpoint as zoo:<name>, e.g. mila test ${ZOO[3]!.preset} zoo:${ZOO[3]!.name} ...`);
      }),
    );
}
