/**
 * Issue 13 from the command line: each reported case (items 1-11) run through the built `mila` binary (dist/, as
 * a user or a scheduler runs it), spawned asynchronously. Each ends in exit code 1 with one line naming the file
 * and the entry or field, or runs to a correct result; memory stays in proportion to the file's real content.
 * The library-level families of each case are in test/checkpoint/hostile-*.test.ts, test/datasets/hostile-coco,
 * test/train/non-finite, test/core/work-dir-lock, test/cli/fatal-exit and test/cli/image-sizes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { readSafetensors, writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import type { StateDict } from '../../core/host-tensor.js';
import { loadExperiment } from '../../train/experiment.js';
import { createTask } from '../../tasks/create-task.js';
import { f32Bytes, pthZip, safetensorsBytes, stateDictPickle, type TensorSpec } from '../checkpoint/hostile-files.js';
import { runMila } from './run-mila.js';
import { expectFatal, expectSuccess, spawnMila } from './spawn-mila.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'mila-hostile-cli-'));
const coco = path.join(tmp, 'coco');
const DET = 'mask_rcnn_mila_tiny_fpn_synthetic';
const DET_SET = (root: string) => [`data.root=${root}`, 'data.train.pipeline.2.imgScale=[[64,64]]', 'data.val.pipeline.1.imgScale=[64,64]', 'data.test.pipeline.1.imgScale=[64,64]', 'data.workersPerGpu=0'];
const COMMON = ['--backend', 'wasm', '--no-progress'];
const detCkpt = path.join(tmp, 'det.safetensors');
/** A MILA backbone small enough to build in a blink; norm0 has 16 channels. */
const TINY_MILA = '{"embedDim":16,"depths":[1,1,2,1],"numHeads":[1,2,4,8]}';
const input = path.join(tmp, 'input.safetensors');
/** Far above what these small commands need (~0.3-0.6 GB), far below the 2-4 GB the reported files made them take. */
const RSS_LIMIT_MB = 1500;

let n = 0;
function file(bytes: Uint8Array, ext: string): string {
  const p = path.join(tmp, `case${n++}${ext}`);
  writeFileSync(p, bytes);
  return p;
}

function features(checkpoint: string, inputFile = input) {
  return spawnMila(['features', '--model', TINY_MILA, '--checkpoint', checkpoint, '--input', inputFile, '--output', path.join(tmp, `out${n++}.safetensors`), '--backend', 'wasm']);
}

/** A .pth with the one tensor `norm0.weight` as described (a float storage of `values` under key 0). */
function norm0Pth(over: Partial<TensorSpec>, values: number[] = Array.from({ length: 16 }, (_, i) => i), extra: Record<string, Uint8Array> = {}): string {
  const spec: TensorSpec = { name: 'norm0.weight', key: '0', numel: values.length, offset: 0, size: [16], stride: [1], ...over };
  return file(pthZip(stateDictPickle([spec]), { '0': f32Bytes(values), ...extra }), '.pth');
}

beforeAll(async () => {
  await initBackend('wasm', { quiet: true });
  expect((await runMila('make-data', '--kind', 'coco', '--out', coco, '--images', '4', '--val-images', '3', '--size', '64x64')).code).toBe(0);
  const det = await createTask(loadExperiment(DET, DET_SET(coco)));
  writeSafetensors(detCkpt, det.model.stateDict());
  writeSafetensors(input, new Map([['input', { dtype: 'float32', shape: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).fill(0.5) }]]));
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('checkpoint files (items 1-5)', () => {
  it('1: a stride-0 [100000, 10000] view of a 1-element storage is refused by shape without materialising 4 GB', async () => {
    const ckpt = norm0Pth({ numel: 1, size: [100000, 10000], stride: [0, 0] }, [0.5]);
    const r = await features(ckpt);
    expectFatal(r, 'features', new RegExp(`^mila features: ${ckpt}: .*size mismatch for norm0\\.weight`));
    expect(r.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
  });

  it('2: a 2.1 MB zip entry declaring 2 GiB that no tensor references is never inflated (its data is not even valid deflate)', async () => {
    // 2.1 MB of incompressible bytes deflate to ~2.1 MB, which could hold 2 GiB of zeros (deflate's ratio is at most
    // ~1032:1): the sizes are plausible, only inflating the entry would show the lie.
    const junk = new Uint8Array(randomBytes(2_200_000));
    const zip = pthZip(stateDictPickle([{ name: 'norm0.weight', key: '0', numel: 16, size: [16], stride: [1] }]), { '0': f32Bytes(Array(16).fill(1)), junk }, 6);
    const name = new TextEncoder().encode('archive/data/junk');
    const view = new DataView(zip.buffer);
    const declared = 2 ** 31;
    for (let at = 0; at + 46 + name.length <= zip.length; at++) {
      if (zip[at] !== 0x50 || zip[at + 1] !== 0x4b) continue;
      if (zip[at + 2] === 3 && zip[at + 3] === 4 && name.every((b, i) => zip[at + 30 + i] === b)) {
        view.setUint32(at + 22, declared, true);
        const dataAt = at + 30 + name.length + view.getUint16(at + 28, true);
        zip.fill(0xff, dataAt, dataAt + 64);
      } else if (zip[at + 2] === 1 && zip[at + 3] === 2 && name.every((b, i) => zip[at + 46 + i] === b)) view.setUint32(at + 24, declared, true);
    }
    expect(zip.length).toBeGreaterThan(declared / 1032);
    const out = path.join(tmp, 'out-unreferenced.safetensors');
    const r = await spawnMila(['features', '--model', TINY_MILA, '--checkpoint', file(zip, '.pth'), '--input', input, '--output', out, '--backend', 'wasm']);
    expectSuccess(r);
    expect(r.stdout).toMatch(/missing keys \(\d+\):/);
    expect(r.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
    for (const [, t] of readSafetensors(out)) expect((t.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('3: a negative stride (float and int64 storages) is refused naming the file and the tensor, never read as NaN', async () => {
    for (const storage of ['FloatStorage', 'LongStorage']) {
      const values = storage === 'LongStorage' ? new Uint8Array(new BigInt64Array(16).fill(1n).buffer) : f32Bytes(Array(16).fill(1));
      const ckpt = file(pthZip(stateDictPickle([{ name: 'norm0.weight', key: '0', storage, numel: 16, offset: 0, size: [16], stride: [-1] }]), { '0': values }), '.pth');
      expectFatal(await features(ckpt), 'features', new RegExp(`^mila features: ${ckpt}: tensor 'norm0\\.weight': negative stride -1 in dimension 0`));
    }
  });

  it('4: a negative dimension, a null safetensors entry and a negative or fractional --input shape are one line naming file and entry', async () => {
    const negative = norm0Pth({ size: [-16], stride: [1] });
    expectFatal(await features(negative), 'features', new RegExp(`^mila features: ${negative}: tensor 'norm0\\.weight': dimension 0 of shape \\[-16\\] is not a non-negative integer`));
    const nullEntry = file(safetensorsBytes({ 'norm0.weight': null }), '.safetensors');
    expectFatal(await features(nullEntry), 'features', new RegExp(`^mila features: ${nullEntry}: .*norm0\\.weight`));
    for (const shape of [[-1, 3, 8, 8], [1, 3, 8, 7.5]]) {
      const bad = file(safetensorsBytes({ input: { dtype: 'F32', shape, data_offsets: [0, 4 * 3 * 8 * 8] } }, new Uint8Array(4 * 3 * 8 * 8)), '.safetensors');
      expectFatal(await features(norm0Pth({}), bad), 'features', new RegExp(`^mila features: ${bad}: .*input.*shape`));
    }
  });

  it('5: safetensors offsets before the data section, overlapping entries, bad metadata, a __proto__ name are refused', async () => {
    const w = (offsets: number[]) => ({ dtype: 'F32', shape: [16], data_offsets: offsets });
    const cases: [Uint8Array, RegExp][] = [
      [safetensorsBytes({ 'norm0.weight': w([-64, 0]) }, new Uint8Array(64)), /norm0\.weight.*data_offsets/],
      [safetensorsBytes({ 'norm0.weight': w([0, 64]), 'norm0.bias': w([32, 96]) }, new Uint8Array(96)), /overlap|norm0\.(weight|bias)/],
      [safetensorsBytes({ __metadata__: { format: 5 }, 'norm0.weight': w([0, 64]) }, new Uint8Array(64)), /__metadata__/],
      [safetensorsBytes(null, new Uint8Array(64), '{"__proto__":{"dtype":"F32","shape":[16],"data_offsets":[0,64]}}'), /__proto__/],
    ];
    for (const [bytes, error] of cases) {
      const ckpt = file(bytes, '.safetensors');
      const line = expectFatal(await features(ckpt), 'features', new RegExp(`^mila features: ${ckpt}: `));
      expect(line).toMatch(error);
    }
  });
});

describe('training (items 6, 7; item 8 is test/cli/fatal-exit, disk-full during training test/train/disk-full-log)', () => {
  const TRAIN = (workDir: string, ...set: string[]) => ['train', DET, '--work-dir', workDir, ...COMMON, '--set', ...DET_SET(coco), 'runner.type=iter', 'runner.evalInterval=0', ...set];

  it('6: optimizer.lr=1e6 stops before the step that goes non-finite; last_checkpoint names iter_1, which tests and resumes', async () => {
    const w = path.join(tmp, 'w-nan');
    const r = await spawnMila(TRAIN(w, 'optimizer.lr=1e6', 'runner.checkpointInterval=1', 'runner.max=4'));
    expectFatal(
      r,
      'train',
      new RegExp(
        `^mila train: iteration 2: (loss|gradient norm) is NaN \\(.*\\); stopped before the optimizer step, the last checkpoint is ${path.join(w, 'iter_1')} \\(--resume continues from it\\); a lower optimizer\\.lr may help$`,
      ),
    );
    expect(readFileSync(path.join(w, 'last_checkpoint'), 'utf8').trim()).toBe('iter_1');
    expect(readdirSync(w).filter((f) => f.startsWith('iter_')).sort()).toEqual(['iter_1.json', 'iter_1.optim.safetensors', 'iter_1.safetensors']);
    for (const [, t] of readSafetensors(path.join(w, 'iter_1.safetensors'))) if (t.dtype === 'float32') expect((t.data as Float32Array).every(Number.isFinite)).toBe(true);
    // The last checkpoint loads and evaluates.
    expectSuccess(await spawnMila(['test', path.join(w, 'config.json'), path.join(w, 'iter_1'), '--eval', 'bbox', '--workers', '1', ...COMMON]));
    // --resume continues exactly from it: the same forward pass, so the same stop at the same step (after one step at
    // lr 1e6 the weights are finite but no lr can save them; mmcv users restart with a lower lr).
    const resumed = await spawnMila([...TRAIN(w, 'optimizer.lr=1e6', 'runner.checkpointInterval=1', 'runner.max=4'), '--resume']);
    expect(resumed.stderr).toContain(`resumed from ${path.join(w, 'iter_1')} at iteration 1`);
    expect(expectFatal(resumed, 'train', /^mila train: iteration 2: /)).toBe(r.stderr.split('\n').find((l) => l.startsWith('mila train: ')));
    expect(readFileSync(path.join(w, 'last_checkpoint'), 'utf8').trim()).toBe('iter_1');
    expect(existsSync(path.join(w, 'mila-train.lock'))).toBe(false);
  });

  it('6: test and infer refuse weights holding NaN, naming the file and the first bad tensor', async () => {
    const sd: StateDict = readSafetensors(detCkpt);
    const [key, t] = [...sd].find(([k]) => k.startsWith('roi_head.bbox_head.fc_cls.weight'))!;
    const data = Float32Array.from(t.data as Float32Array);
    data[3] = NaN;
    sd.set(key, { ...t, data });
    const nanCkpt = path.join(tmp, 'nan.safetensors');
    writeSafetensors(nanCkpt, sd);
    const message = new RegExp(`^mila test: ${nanCkpt}: roi_head\\.bbox_head\\.fc_cls\\.weight: 1 of \\d+ values are NaN or infinite \\(weights of a diverged training\\?\\); refusing to load them$`);
    expectFatal(await spawnMila(['test', DET, nanCkpt, '--eval', 'bbox', '--workers', '1', ...COMMON, '--set', ...DET_SET(coco)]), 'test', message);
  });

  it('7: a second train into a busy work dir is refused naming the first; a killed run\'s lock is taken over; a swapped checkpoint file is detected by hash', async () => {
    const w = path.join(tmp, 'w-lock');
    const lock = path.join(w, 'mila-train.lock');
    let firstPid = 0;
    // The first run is long enough to still be running while the second starts.
    const first = spawnMila(TRAIN(w, 'runner.max=500', 'runner.checkpointInterval=1'), { onSpawn: (pid) => (firstPid = pid) });
    const t0 = Date.now();
    while (!existsSync(path.join(w, 'iter_1.json')) && Date.now() - t0 < 75_000) await new Promise((r) => setTimeout(r, 200));
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: firstPid, hostname: hostname() });
    const second = await spawnMila(TRAIN(w, 'runner.max=2'));
    expectFatal(second, 'train', new RegExp(`^mila train: ${lock}: another mila train is using this work dir \\(pid ${firstPid} on ${hostname()}, since [0-9T:.-]+Z: .*mila\\.js train ${DET}`));
    process.kill(firstPid, 'SIGKILL');
    const killed = await first;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(lock)).toBe(true);
    const last = readFileSync(path.join(w, 'last_checkpoint'), 'utf8').trim();

    // The next run takes the dead run's lock over, says so, resumes, and releases the lock at its end.
    const third = await spawnMila([...TRAIN(w, `runner.max=${Number(last.slice(5)) + 1}`, 'runner.checkpointInterval=1'), '--resume']);
    expectSuccess(third);
    expect(third.stderr).toContain(`${lock}: took over the lock of pid ${firstPid} on ${hostname()}`);
    expect(third.stderr).toMatch(/\(not running\)\n/);
    expect(existsSync(lock)).toBe(false);

    // A model file of another checkpoint (same size: same model) in place of the last one's: its hash tells.
    const newest = readFileSync(path.join(w, 'last_checkpoint'), 'utf8').trim();
    writeFileSync(path.join(w, `${newest}.safetensors`), readFileSync(path.join(w, 'iter_1.safetensors')));
    expectFatal(
      await spawnMila([...TRAIN(w, 'runner.max=50'), '--resume']),
      'train',
      new RegExp(`^mila train: ${path.join(w, newest)}\\.safetensors: content differs from the SHA-256 recorded in ${path.join(w, newest)}\\.json`),
    );
    // So does mila test, given the checkpoint by its base path.
    expectFatal(
      await spawnMila(['test', path.join(w, 'config.json'), path.join(w, newest), '--eval', 'bbox', '--workers', '1', ...COMMON]),
      'test',
      new RegExp(`^mila test: ${path.join(w, newest)}\\.safetensors: content differs from the SHA-256 recorded in ${path.join(w, newest)}\\.json`),
    );
    expect(existsSync(lock)).toBe(false);
  });
});

describe('images, test and annotations (items 9-11)', () => {
  it('9: a 12000x12000 JPEG is decoded and resized; masks at its original size beyond the limit are refused naming the image, before allocation', async () => {
    const big = path.join(tmp, 'big.jpg');
    await sharp({ create: { width: 12000, height: 12000, channels: 3, background: { r: 90, g: 120, b: 30 } } }).jpeg().toFile(big);
    // Random weights: 50 detections, whose 12000x12000 masks would take 6.7 GiB (mmdet would allocate them).
    const r = await spawnMila(['infer', DET, detCkpt, big, '--out-dir', path.join(tmp, 'vis'), '--workers', '1', ...COMMON]);
    expectFatal(r, 'infer', new RegExp(`^mila infer: ${big}: 12000x12000 image: 50 instance masks at the original size need 6\\.7 GiB, over the 4\\.0 GiB limit for one image; downscale the image$`));
    expect(r.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
  });

  it('10: mila test with neither --eval nor --out is refused, as mmdet tools/test.py does', async () => {
    expectFatal(
      await spawnMila(['test', DET, detCkpt, ...COMMON, '--set', ...DET_SET(coco)]),
      'test',
      /^mila test: specify at least one operation: --eval <metrics> \(bbox segm, or mIoU\) and\/or --out <file>$/,
    );
  });

  it('11: a COCO bbox that is a string stops training in one line naming the file, the annotation and the field', async () => {
    const root = path.join(tmp, 'coco-bad');
    rmSync(root, { recursive: true, force: true });
    await runMila('make-data', '--kind', 'coco', '--out', root, '--images', '4', '--val-images', '3', '--size', '64x64');
    const annFile = path.join(root, 'annotations/instances_train2017.json');
    const ann = JSON.parse(readFileSync(annFile, 'utf8'));
    ann.annotations[0].bbox = 'abc';
    writeFileSync(annFile, JSON.stringify(ann));
    expectFatal(
      await spawnMila(['train', DET, '--work-dir', path.join(tmp, 'w-coco'), ...COMMON, '--set', ...DET_SET(root)]),
      'train',
      new RegExp(`^mila train: ${annFile}: annotation ${ann.annotations[0].id}: bbox "abc" is not \\[x, y, w, h\\] of finite numbers`),
    );
  });
});
