#!/usr/bin/env node
// Prebuilt native kernels for the package (`npm pack` / `npm publish` run this as `prepack`): prebuildify builds
// native/ with node-gyp for N-API 8 (one binary serves every Node >= 20) into native/prebuilds/<platform>-<arch>/,
// where node-gyp-build finds them at run time. linux-x64 always; linux-arm64 when Debian's cross compiler
// (g++-aarch64-linux-gnu) is installed, else a line says it was skipped.
//   node scripts/prebuild.mjs [--arch x64,arm64]
// The build runs in a copy of native/ so a source build in native/build (which tests may be loading) stays put.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch as hostArch, platform } from 'node:os';
import { join } from 'node:path';
import { findNodeGyp, localNodeDir, nativeDir } from './node-gyp-env.mjs';

const CROSS = { arm64: 'aarch64-linux-gnu' };

function archs() {
  const i = process.argv.indexOf('--arch');
  if (i >= 0) return process.argv[i + 1].split(',');
  return platform() === 'linux' && hostArch() === 'x64' ? ['x64', 'arm64'] : [hostArch()];
}

function toolchain(arch) {
  if (arch === hostArch()) return {};
  const prefix = CROSS[arch];
  if (!prefix || spawnSync(`${prefix}-g++`, ['--version']).status !== 0) return undefined;
  return { CC: `${prefix}-gcc`, CXX: `${prefix}-g++`, LINK: `${prefix}-g++`, AR: `${prefix}-ar`, PREBUILD_STRIP_BIN: `${prefix}-strip` };
}

const nodeGyp = findNodeGyp();
const nodedir = localNodeDir();
if (!nodeGyp || !nodedir) {
  console.error(`prebuild: ${!nodeGyp ? 'node-gyp not found' : `no local headers of Node ${process.versions.node}`}`);
  process.exit(1);
}
const prebuildify = createRequire(import.meta.url).resolve('prebuildify/bin.js');
const work = join(nativeDir, '.prebuild-work');

for (const arch of archs()) {
  const tools = toolchain(arch);
  if (!tools) {
    console.error(`prebuild: ${platform()}-${arch} skipped (no ${CROSS[arch] ?? arch} cross compiler; Debian: apt-get install g++-${CROSS[arch] ?? arch})`);
    continue;
  }
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(nativeDir, 'binding.gyp'), join(work, 'binding.gyp'));
  cpSync(join(nativeDir, 'src'), join(work, 'src'), { recursive: true });
  const started = Date.now();
  const args = [prebuildify, '--napi', '--strip', '--tag-libc', '--arch', arch, '--target', process.versions.node, '--cwd', work, '--out', nativeDir];
  const r = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...tools, npm_config_nodedir: nodedir, PREBUILD_NODE_GYP: nodeGyp },
  });
  rmSync(work, { recursive: true, force: true });
  if (r.status !== 0) {
    console.error(`prebuild: ${platform()}-${arch} failed (prebuildify exit ${r.status})`);
    process.exit(1);
  }
  console.error(`prebuild: native/prebuilds/${platform()}-${arch}/ in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
