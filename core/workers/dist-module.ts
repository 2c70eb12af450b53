import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';

/** The package root: the folder above `core/` (source) or above `dist/core/` (compiled). */
function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '..', '..');
  return path.basename(root) === 'dist' ? path.dirname(root) : root;
}

/**
 * The file URL of the compiled shard-task module for `sourcePath` (relative to the package root, `.js`
 * name). Worker threads run plain Node, which cannot load our TypeScript, so they always load `dist/`
 * — also when the caller itself runs from source (vitest).
 */
export function compiledTaskModule(sourcePath: string): string {
  const file = path.join(packageRoot(), 'dist', sourcePath);
  if (!existsSync(file)) throw new UserError(`--workers > 1 needs the compiled ${path.join('dist', sourcePath)}; run \`npm run build\` first (or pass --workers 1)`);
  return pathToFileURL(file).href;
}
