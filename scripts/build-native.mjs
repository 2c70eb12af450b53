#!/usr/bin/env node
// Install step (also what `npm rebuild mila-dense` runs): the native kernels for this machine.
//   1. a prebuilt binary shipped in native/prebuilds/<platform>-<arch>/ that loads: nothing to build;
//   2. else a source build with node-gyp against the local Node headers (native/build/Release);
//   3. else one line: the wasm kernels will be used, and `npm rebuild mila-dense` retries.
// It never fails the install and never downloads anything. A git checkout always builds from source (its C++
// may be newer than any prebuild), as do `--from-source` (`npm run build:native`) and `npm install --build-from-source`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { findNodeGyp, localNodeDir, nativeDir, root, sourceAbiVersion } from './node-gyp-env.mjs';

const RETRY = '`npm rebuild mila-dense` retries';
const log = (msg) => process.stderr.write(`mila-dense: ${msg}\n`);
const notBuilt = (why) => log(`native kernels not built (${why}); the wasm kernels will be used. ${RETRY}`);

/** The binary node-gyp-build would load (source build first, then the prebuild for this platform), if it loads and is current. */
function loadableBinary() {
  try {
    const require = createRequire(import.meta.url);
    const file = require('node-gyp-build').resolve(nativeDir);
    return require(file).abiVersion === sourceAbiVersion() ? file : undefined;
  } catch {
    return undefined;
  }
}

function buildFromSource() {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return notBuilt('node-gyp not found');
  const nodedir = localNodeDir();
  if (!nodedir) return notBuilt(`no headers of Node ${process.versions.node} on this machine`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--directory', nativeDir, `--nodedir=${nodedir}`], { encoding: 'utf8', timeout: 900_000 });
  if (r.status === 0) {
    log(`native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (native/build/Release/mila_native.node)`);
    return;
  }
  const lines = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').filter((l) => /error|ERR!/i.test(l));
  notBuilt(lines[0]?.trim() ?? r.error?.message ?? `node-gyp exit ${r.status}`);
}

const fromSource = process.argv.includes('--from-source') || process.env.npm_config_build_from_source === 'true' || existsSync(join(root, '.git'));
const binary = fromSource ? undefined : loadableBinary();
if (binary) log(`native kernels ready: ${relative(root, binary)}`);
else if (process.env.MILA_NATIVE_BUILD === '0') notBuilt('MILA_NATIVE_BUILD=0');
else buildFromSource();
