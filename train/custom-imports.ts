/**
 * mmdet's `custom_imports`: modules of the user's that register components (core/registry.ts) or hooks before a
 * config is built, so a config can name them by `type`. Entries are file paths (relative ones resolved against
 * a base folder: the config file's, or the working directory for presets, `--set` and `--import`) or package
 * names (resolved from that folder as Node resolves a dependency). They are stored resolved, as absolute paths,
 * so a config written into a work dir imports the same files from anywhere, in worker threads too.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../core/errors.js';

function isPathLike(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || path.isAbsolute(spec) || spec.startsWith('file:');
}

/** One entry as an absolute file path: paths against `baseDir`, package names resolved from it. */
export function resolveCustomImport(spec: string, baseDir: string, source: string): string {
  if (typeof spec !== 'string' || spec.trim() === '') throw new UserError(`${source}: a custom import must be a module path or package name, got ${JSON.stringify(spec)}`);
  if (spec.startsWith('file:')) return new URL(spec).pathname;
  if (isPathLike(spec)) {
    const file = path.resolve(baseDir, spec);
    if (!existsSync(file)) throw new UserError(`${source}: custom import ${spec} not found (looked for ${file})`);
    return file;
  }
  try {
    return createRequire(path.join(path.resolve(baseDir), 'noop.js')).resolve(spec);
  } catch {
    throw new UserError(`${source}: custom import '${spec}' is neither a file path (start it with ./) nor a package installed under ${path.resolve(baseDir)}`);
  }
}

/** Every entry resolved (see resolveCustomImport), duplicates dropped, order kept. */
export function resolveCustomImports(specs: readonly string[], baseDir: string, source: string): string[] {
  return [...new Set(specs.map((s) => resolveCustomImport(s, baseDir, source)))];
}

/**
 * Import the modules in order (each once per thread: ES modules are cached by URL). A module that fails to
 * load is a one-line error naming it.
 */
export async function importCustomModules(files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      await import(pathToFileURL(file).href);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(`custom import ${file} failed to load: ${(err as Error).message.split('\n')[0]}`);
    }
  }
}
