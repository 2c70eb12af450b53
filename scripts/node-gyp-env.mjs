// What both native build scripts need: node-gyp, and the headers of the running Node without a download.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const nativeDir = join(root, 'native');

/** node-gyp: npm's own copy (npm sets npm_config_node_gyp in scripts), the one next to this Node, or a local package. */
export function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package: npm's bundled copy above is the usual one
  }
  return candidates.find((p) => p && existsSync(p));
}

/**
 * A --nodedir with this Node's headers, so node-gyp never downloads them: the install prefix (Debian's nodejs,
 * the official tarballs, nvm), else node-gyp's own cache of an earlier download. Undefined when neither has them.
 */
export function localNodeDir() {
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include/node/node_api.h'))) return prefix;
  const cacheRoot = process.env.npm_config_devdir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'node-gyp');
  const cached = join(cacheRoot, process.versions.node);
  return existsSync(join(cached, 'include/node/node_api.h')) ? cached : undefined;
}

/** The ABI version native/src/addon.cc exports; a binary reporting another one is stale. */
export function sourceAbiVersion() {
  const m = /kAbiVersion = (\d+);/.exec(readFileSync(join(nativeDir, 'src/addon.cc'), 'utf8'));
  if (!m) throw new Error('native/src/addon.cc: kAbiVersion not found');
  return Number(m[1]);
}
