/**
 * The package as a user gets it: `npm pack`, then a fresh TypeScript ESM project installs the tarball offline
 * (from the local npm cache, with --ignore-scripts as pnpm and npm 11 do by default), type-checks every README
 * example under moduleResolution nodenext and bundler, and runs them. The README cannot drift from the code.
 *
 * The examples read a few files a user would have (a checkpoint from `mila train`, an image); the test writes
 * them first: checkpoints of the presets' seeded initial weights, small images, a COCO annotation file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../configs/index.js';
import { initBackend } from '../../core/backend.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { encodeLabelPng } from '../../core/io/label-png.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { COCO_DUMMY } from '../fixtures/paths.js';
import { readmeTsBlocks } from './readme-blocks.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mila-pack-'));
const app = join(work, 'app');
const blocks = readmeTsBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
const runnable = blocks.filter((b) => b.notRun === null);
const LINUX_X64 = platform() === 'linux' && arch() === 'x64';
const NATIVE_OFF = process.env.MILA_NATIVE === '0';
/** Whether the tarball holds the linux-x64 prebuild (decided once it is packed). */
let prebuilt = false;

/** npm without the variables of the `npm test` that runs us (they would point npm at this repository). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || /^npm_config_(cache|userconfig)$/i.test(k)) env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
}

/** A command's output; a failure names the command and shows its output. Asynchronous, so vitest's worker stays responsive. */
async function run(cmd: string, args: string[], cwd: string, timeout = 300_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(cmd, args, { cwd, env: npmEnv(), encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string; code?: number | string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with ${e.code}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}

const versionOf = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** Every copy of a package under node_modules (nested ones too). */
function copiesOf(dir: string, pkg: string): string[] {
  const found: string[] = [];
  const walk = (nm: string): void => {
    if (!existsSync(nm)) return;
    if (existsSync(join(nm, pkg, 'package.json'))) found.push(join(nm, pkg));
    for (const e of readdirSync(nm, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name === '.bin') continue;
      const dirs = e.name.startsWith('@') ? readdirSync(join(nm, e.name)).map((s) => join(nm, e.name, s)) : [join(nm, e.name)];
      for (const d of dirs) walk(join(d, 'node_modules'));
    }
  };
  walk(join(dir, 'node_modules'));
  return found;
}

/** What the README's examples read: checkpoints from `mila train`, images, COCO files, label maps. */
async function writeExampleInputs(): Promise<void> {
  await initBackend('wasm', { quiet: true });
  const det = new MaskRCNN(getConfig('mask_rcnn_mila_tiny_fpn_synthetic').model as MaskRCNNConfig, { seed: 1 });
  mkdirSync(join(app, 'work_dirs/tiny'), { recursive: true });
  writeSafetensors(join(app, 'work_dirs/tiny/iter_300.safetensors'), det.stateDict());
  det.dispose();
  const seg = new EncoderDecoder(getConfig('upernet_tinyconv_64x64_500_ade20k').model as EncoderDecoderConfig);
  mkdirSync(join(app, 'work_dirs/upernet_tinyconv_64x64_500_ade20k'), { recursive: true });
  writeSafetensors(join(app, 'work_dirs/upernet_tinyconv_64x64_500_ade20k/iter_500.safetensors'), seg.stateDict());
  seg.dispose();
  const [w, h] = [160, 120];
  const rgb = Buffer.alloc(w * h * 3);
  for (let p = 0; p < w * h; p++) rgb.set((p % w) > 50 && (p % w) < 110 && p / w > 30 && p / w < 90 ? [220, 60, 40] : [40, 90, (p * 7) % 256], p * 3);
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg().toFile(join(app, 'shapes.jpg'));
  await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).jpeg().toFile(join(app, 'room.jpg'));
  copyFileSync(COCO_DUMMY, join(app, 'instances_val2017.json'));
  const gt = JSON.parse(readFileSync(COCO_DUMMY, 'utf8')) as { annotations: { image_id: number; category_id: number; bbox: number[] }[] };
  const results = gt.annotations.slice(0, 3).map((a, i) => ({ image_id: a.image_id, category_id: a.category_id, bbox: a.bbox, score: 0.9 - 0.1 * i }));
  writeFileSync(join(app, 'results.bbox.json'), JSON.stringify(results));
  for (const d of ['labels', 'preds']) mkdirSync(join(app, d));
  const label = Uint8Array.from({ length: 12 * 10 }, (_, i) => (i % 12 < 6 ? 3 : 5));
  writeFileSync(join(app, 'labels/ADE_val_1.png'), encodeLabelPng(label, 10, 12));
  writeFileSync(join(app, 'preds/ADE_val_1.png'), encodeLabelPng(Uint8Array.from(label, (v) => v - 1), 10, 12));
}

const TSCONFIG = (module: string, resolution: string, noEmit: boolean, skipLibCheck: boolean) => ({
  compilerOptions: { target: 'ES2022', module, moduleResolution: resolution, strict: true, skipLibCheck, types: ['node'], outDir: 'build', noEmit },
  include: ['*.ts'],
});

/** Every subpath of package.json `exports`, imported by name: resolution and types per entry. */
const EXPORTS_CHECK = `import { loadDetector, nativeStatus } from 'mila-dense';
import { loadSegmentor, fetchZooCheckpoint, ZOO } from 'mila-dense/node';
import { MilaBackbone } from 'mila-dense/backbones';
import { FPN } from 'mila-dense/necks';
import { RPNHead, UPerHead } from 'mila-dense/heads';
import { MaskRCNN, EncoderDecoder, maskRcnnModel } from 'mila-dense/models';
import { getConfig } from 'mila-dense/configs';
import { CocoInstances, buildDetBatch } from 'mila-dense/datasets';
import { COCOeval, MIoUAccumulator } from 'mila-dense/eval';
import { loadCheckpoint } from 'mila-dense/checkpoint';
import { Runner, AdamW } from 'mila-dense/train';
import { buildModel, initBrowserBackend, predict } from 'mila-dense/browser';
const entries = [loadDetector, nativeStatus, loadSegmentor, fetchZooCheckpoint, MilaBackbone, FPN, RPNHead, UPerHead, MaskRCNN, EncoderDecoder, maskRcnnModel, getConfig, CocoInstances, buildDetBatch, COCOeval, MIoUAccumulator, loadCheckpoint, Runner, AdamW, buildModel, initBrowserBackend, predict];
console.log(JSON.stringify({ types: [...new Set(entries.map((e) => typeof e))], zoo: ZOO.length }));
`;

let tarball = '';

describe('README examples', () => {
  it('every ts block runs in this test or says why not', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    for (const b of blocks) if (b.notRun !== null) expect(b.notRun.trim().length, `README line ${b.line}`).toBeGreaterThan(10);
    expect(runnable.length).toBeGreaterThanOrEqual(4);
  });
});

describe('the packed package in a fresh TypeScript project', () => {
  beforeAll(async () => {
    // The prebuild prepack makes; built here (in a copy of native/, once per clone) when this checkout has none.
    // Without a compiler there is none: the native checks are then skipped with a notice, or fail under CI=true.
    const prebuild = join(ROOT, 'native/prebuilds/linux-x64/node.glibc.node');
    if (LINUX_X64 && !existsSync(prebuild)) {
      try {
        await run(process.execPath, ['scripts/prebuild.mjs', '--arch', 'x64'], ROOT, 900_000);
      } catch (err) {
        if (process.env.CI === 'true') throw err;
        process.stderr.write(`\n*** test/package: no linux-x64 prebuild could be built, its checks SKIPPED (${(err as Error).message.split('\n')[0]})\n`);
      }
    }
    prebuilt = LINUX_X64 && existsSync(prebuild);
    const packed = JSON.parse((await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT)).stdout) as { filename: string }[];
    tarball = join(work, packed[0]!.filename);
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }, null, 2));
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', tarball, '@tensorflow/tfjs-core@4.22.0', `typescript@${versionOf('typescript')}`, `@types/node@${versionOf('@types/node')}`], app, 300_000);
    await writeExampleInputs();
    runnable.forEach((b, i) => writeFileSync(join(app, `readme-${String(i + 1).padStart(2, '0')}.ts`), b.code));
    writeFileSync(join(app, 'exports-check.ts'), EXPORTS_CHECK);
  }, 1_200_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the tarball holds what runs: compiled code without tests and benchmarks, native sources, the prebuild, the install script', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('native/binding.gyp');
    expect(files).toContain('native/src/addon.cc');
    expect(files).toContain('scripts/build-native.mjs');
    if (prebuilt) expect(files).toContain('native/prebuilds/linux-x64/node.glibc.node');
    const stray = files.filter((f) => /^(test|docs|\.ci|bench|dist\/bench|native\/build)\/|\.map$|\.ts$(?<!\.d\.ts)/.test(f));
    expect(stray).toEqual([]);
  });

  it('installs with exactly one @tensorflow/tfjs-core, and the prebuilt native kernels load without any install script', async () => {
    expect(copiesOf(app, '@tensorflow/tfjs-core')).toHaveLength(1);
    const status = (await run(process.execPath, ['--input-type=module', '-e', "import { nativeStatus } from 'mila-dense'; console.log(nativeStatus())"], app)).stdout.trim();
    if (NATIVE_OFF) expect(status).toBe('off (MILA_NATIVE=0)');
    else if (prebuilt) expect(status).toMatch(/^native kernels, \d+ threads?$/);
    expect(existsSync(join(app, 'node_modules/mila-dense/native/build'))).toBe(false);
    // The install step itself (what npm rebuild mila-dense runs) finds the prebuild and builds nothing.
    const install = await run(process.execPath, ['node_modules/mila-dense/scripts/build-native.mjs'], app);
    if (prebuilt) expect(install.stderr).toBe('mila-dense: native kernels ready: native/prebuilds/linux-x64/node.glibc.node\n');
    expect(existsSync(join(app, 'node_modules/mila-dense/native/build'))).toBe(false);
  });

  it('type-checks the README examples, every entry point and our declarations with moduleResolution nodenext and bundler', async () => {
    // tfjs-core's own declarations name a type they do not import ('Long' in hash_util.d.ts), which every
    // consumer without skipLibCheck sees; any other error (ours, the examples') fails the test.
    const tsc = async (project: string): Promise<string[]> => {
      const r = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project], app).catch((e: Error) => ({ stdout: e.message }));
      return r.stdout.split('\n').filter((l) => /: error TS\d+:/.test(l) && !l.startsWith('node_modules/@tensorflow/tfjs-core/dist/hash_util.d.ts'));
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG('NodeNext', 'NodeNext', false, false)));
    expect(await tsc('.')).toEqual([]);
    // Our declarations were checked above; here the resolution and the examples' types (a third of the CPU time).
    writeFileSync(join(app, 'tsconfig.bundler.json'), JSON.stringify(TSCONFIG('ESNext', 'Bundler', true, true)));
    expect(await tsc('tsconfig.bundler.json')).toEqual([]);
  });

  it('runs every entry point and the bin', async () => {
    expect(JSON.parse((await run(process.execPath, ['build/exports-check.js'], app)).stdout)).toEqual({ types: ['function'], zoo: 9 });
    expect((await run(process.execPath, ['node_modules/.bin/mila', 'zoo'], app)).stdout).toMatch(/^mask_rcnn_mila_t_fpn_1x_coco\s+detection\s/m);
  });

  for (const [i, b] of runnable.entries()) {
    it(`runs the README example at line ${b.line}`, async () => {
      const r = await run(process.execPath, [`build/readme-${String(i + 1).padStart(2, '0')}.js`], app, 300_000);
      expect(r.stderr).not.toMatch(/Error|warn/i);
    });
  }
});
