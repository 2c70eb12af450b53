#!/usr/bin/env node
/**
 * `npm run web:build`: bundles the web page (web/src/main.ts, which imports the browser entry browser/index.ts)
 * with esbuild for browsers into web/dist, with index.html, the stylesheet and tfjs-backend-wasm's .wasm files
 * (a bundle does not carry them; the page points setWasmPaths at wasm/).
 * Also exports `browserBundleProblems(entry)`, the check test/browser/bundle.test.ts runs on the browser entry.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = path.join(ROOT, 'web');
export const WEB_DIST = path.join(WEB, 'dist');

/** Packages and files that must never reach a browser bundle: Node-only by nature. */
const NODE_ONLY_PACKAGES = ['sharp', 'cli-progress', 'commander', 'node-gyp-build'];
const NODE_ONLY_FILES = ['core/native/addon.ts', 'core/workers/', 'core/io/', 'core/kernels/register-gradients.ts'];
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const common = {
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  logLevel: 'silent',
  metafile: true,
};

/**
 * Bundle `entry` for the browser and list what ties it to Node: imports of Node built-ins that esbuild could
 * not resolve for a browser (a package's own `browser` field may map them away, as tfjs-core does for `util`),
 * and any Node-only package or file of ours in the bundle. An empty list means the entry is browser-safe.
 */
export async function browserBundleProblems(entry) {
  let result;
  try {
    result = await esbuild.build({ ...common, entryPoints: [entry], write: false, outdir: path.join(ROOT, '.bundle-check') });
  } catch (e) {
    if (!e.errors) throw e;
    return e.errors.map((m) => `${m.location ? `${path.relative(ROOT, path.resolve(ROOT, m.location.file))}: ` : ''}${m.text}`);
  }
  const problems = [];
  for (const [input, info] of Object.entries(result.metafile.inputs)) {
    const rel = input.replace(/\\/g, '/');
    if (NODE_ONLY_PACKAGES.some((p) => rel.includes(`node_modules/${p}/`))) problems.push(`${rel}: Node-only package in the bundle`);
    if (NODE_ONLY_FILES.some((f) => rel === f || (f.endsWith('/') && rel.startsWith(f)))) problems.push(`${rel}: Node-only file in the bundle`);
    for (const imp of info.imports) {
      if (imp.external && BUILTINS.has(imp.path)) problems.push(`${rel}: imports Node's ${imp.path}`);
    }
  }
  return problems;
}

/** Build the page into `outdir` (default web/dist); returns the output folder. */
export async function buildWeb({ outdir = WEB_DIST, minify = true } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(path.join(outdir, 'wasm'), { recursive: true });
  await esbuild.build({ ...common, entryPoints: [path.join(WEB, 'src', 'main.ts')], outfile: path.join(outdir, 'main.js'), minify, sourcemap: true, logLevel: 'warning' });
  for (const f of ['index.html', 'style.css']) copyFileSync(path.join(WEB, f), path.join(outdir, f));
  const wasmDir = path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(path.join(wasmDir, f), path.join(outdir, 'wasm', f));
  return outdir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const t0 = performance.now();
  const out = await buildWeb();
  console.log(`web page built into ${path.relative(process.cwd(), out) || '.'} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
