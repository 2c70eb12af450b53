#!/usr/bin/env node
// Install step: build the optional native kernels (native/) with node-gyp against the local Node headers.
// Never fails the install: without a compiler, headers or python, mila-dense runs on its wasm kernels.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stderr.write(`mila-dense: ${msg}\n`);

if (process.env.MILA_NATIVE_BUILD === '0') {
  log('native kernels not built (MILA_NATIVE_BUILD=0); the wasm kernels will be used');
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package: npm's bundled copy above is the usual one
  }
  return candidates.find((p) => p && existsSync(p));
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  log('native kernels not built (node-gyp not found); the wasm kernels will be used');
  process.exit(0);
}
const args = [nodeGyp, 'rebuild', '--directory', join(root, 'native')];
// Headers shipped with this Node (Debian's nodejs, official tarballs) avoid node-gyp's header download.
const prefix = resolve(dirname(process.execPath), '..');
if (existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);

const started = Date.now();
const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000 });
if (r.status === 0) {
  log(`native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (native/build/Release/mila_native.node)`);
} else {
  const lines = `${r.stderr ?? ''}${r.stdout ?? ''}`.split('\n').filter((l) => /error|ERR!/i.test(l));
  log(`native kernels not built (${lines[0]?.trim() ?? r.error?.message ?? `exit ${r.status}`}); the wasm kernels will be used`);
}
