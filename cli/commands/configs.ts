import type { Command } from 'commander';
import { action } from '../action.js';
import { configNames, getConfig } from '../../configs/index.js';

export function register(program: Command): void {
  program
    .command('configs')
    .description('list the preset configs (name, task, schedule); with a name, print that config as JSON')
    .argument('[name]', 'a preset to print in full')
    .action(
      action('configs', (name?: string) => {
        if (name !== undefined) {
          console.log(JSON.stringify(getConfig(name), null, 2));
          return;
        }
        const names = configNames();
        const width = Math.max(...names.map((n) => n.length));
        for (const n of names) {
          const c = getConfig(n);
          const length = c.runner.type === 'epoch' ? `${c.runner.max} epochs` : `${c.runner.max} iters`;
          console.log(`${n.padEnd(width)}  ${c.task.padEnd(12)}  ${length}`);
        }
      }),
    );
}
