/**
 * The browser entry (browser/index.ts, `mila-dense/browser`) bundles for browsers with nothing of Node in it:
 * esbuild (platform 'browser') must resolve every import without Node's built-ins, and no Node-only package
 * (sharp, cli-progress, commander, node-gyp-build) or file of ours (the native addon loader, worker threads, file
 * I/O) may end up in the bundle. (`npm run typecheck` also checks the page and the entry against the DOM's types without
 * Node's: web/tsconfig.json.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserBundleProblems } from '../../scripts/web-build.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the browser bundle', () => {
  it('of browser/index.ts imports nothing of Node', async () => {
    expect(await browserBundleProblems(path.join(ROOT, 'browser/index.ts'))).toEqual([]);
  });

  it('of the web page imports nothing of Node either', async () => {
    expect(await browserBundleProblems(path.join(ROOT, 'web/src/main.ts'))).toEqual([]);
  });

  it('check fails on a Node built-in, a Node-only package and the addon loader', async () => {
    // Inside the repository, so that bare package names resolve from its node_modules.
    const dir = path.join(ROOT, 'test-output/bundle-check');
    mkdirSync(dir, { recursive: true });
    const entry = (name: string, src: string) => {
      const file = path.join(dir, name);
      writeFileSync(file, src);
      return file;
    };
    expect(await browserBundleProblems(path.join(ROOT, 'core/checkpoint/load.ts'))).toContainEqual('core/checkpoint/load.ts: Could not resolve "node:fs"');
    expect((await browserBundleProblems(path.join(ROOT, 'core/native/addon.ts'))).join('\n')).toMatch(/core\/native\/addon\.ts: Could not resolve "node:module"/);
    const viaSharp = await browserBundleProblems(entry('sharp.mjs', `import sharp from 'sharp';\nconsole.log(sharp);\n`));
    expect(viaSharp.join('\n')).toMatch(/node_modules\/sharp\/dist\/\S+: Could not resolve "node:/);
    const viaProgress = await browserBundleProblems(entry('progress.mjs', `import { SingleBar } from 'cli-progress';\nconsole.log(SingleBar);\n`));
    expect(viaProgress.join('\n')).toMatch(/node_modules\/cli-progress\//);
    const viaWorkers = await browserBundleProblems(entry('workers.mjs', `import { Worker } from 'worker_threads';\nconsole.log(Worker);\n`));
    expect(viaWorkers.join('\n')).toMatch(/Could not resolve "worker_threads"/);
  });
});
