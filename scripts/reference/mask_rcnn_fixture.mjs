// The TypeScript side of test/detection/fixtures/official-train (see README.md next to this file). Runs over dist/.
//
//   node scripts/reference/mask_rcnn_fixture.mjs config DATA_ROOT OUT.json
//       the experiment config: the main job's data, schedule and optimizer with a micro MILA Mask R-CNN
//       (embed 8, depths 1-1-1-1, FPN 16) on 160x120 images resized to 144 and padded to 32
//   node scripts/reference/mask_rcnn_fixture.mjs batch DATA_ROOT CHECKPOINT_BASE FIXTURE_DIR PY_DIR [I,J]
//       picks training images I and J (default 0,1) of the checkpoint's own config (read from its .json sidecar,
//       so any Mask R-CNN training checkpoint works), writes the fixture (weights rounded to float16, the batch
//       before Normalize) and, for the official script, the same batch as torch wants it (float NCHW images,
//       float32 weights)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { getConfig } from '../../dist/configs/index.js';
import { backboneOutChannels, maskRcnnModel, milaDetBackbone } from '../../dist/models/detector/mask-rcnn-config.js';
import { readSafetensors, writeSafetensors, encodeSafetensors } from '../../dist/core/checkpoint/safetensors.js';
import { CocoInstances } from '../../dist/datasets/coco/coco-instances.js';
import { buildDetPipeline } from '../../dist/datasets/pipelines/build-pipeline.js';
import { detPipelineSpecs } from '../../dist/tasks/config-pipeline.js';
import { Rng } from '../../dist/core/rng.js';
import { collateDet } from '../../dist/datasets/loader/collate.js';

const [cmd, ...args] = process.argv.slice(2);

/** The micro model: everything mmdet's, sizes small enough for a fixture of a few hundred KB. */
function microModel() {
  const backbone = milaDetBackbone(8, [1, 1, 1, 1], [1, 1, 2, 4], 0.0);
  const cfg = maskRcnnModel(backbone, {
    inChannels: backboneOutChannels(backbone), numClasses: 5, fpnChannels: 16, fcOutChannels: 32, maskConvs: 1, maskConvChannels: 16,
    trainNmsPre: 300, trainProposals: 150, testNmsPre: 300, testProposals: 100, rcnnSamples: 64, maxPerImg: 50,
  });
  return cfg;
}

/** The main job's experiment around the micro model, 144-pixel training images. */
function experiment(root) {
  const exp = getConfig('mask_rcnn_mila_main_job');
  exp.name = 'mask_rcnn_mila_micro_official_fixture';
  exp.model = microModel();
  exp.data.root = root;
  for (const split of ['train', 'val', 'test']) {
    for (const step of exp.data[split].pipeline) {
      if (step.type === 'Resize' && step.imgScale) step.imgScale = [[144, 144]];
      if (step.type === 'MultiScaleFlipAug') step.imgScale = [144, 144];
    }
  }
  exp.runner = { ...exp.runner, max: 400, checkpointInterval: 400 };
  exp.lrConfig = { ...exp.lrConfig, step: [300, 370] };
  return exp;
}

function f16Bits(x) {
  // round-to-nearest-even float32 -> float16 (finite, normal or subnormal range of trained weights)
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  f[0] = x;
  const b = u[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) throw new Error('non-finite weight');
  let e = exp - 127 + 15;
  if (e >= 31) throw new Error(`weight ${x} overflows float16`);
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1))) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 31) throw new Error(`weight ${x} overflows float16`);
    }
  }
  return sign | (e << 10) | m;
}

function f16ToF32(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

async function batch(root, ckptBase, fixtureDir, pyDir) {
  mkdirSync(fixtureDir, { recursive: true });
  mkdirSync(pyDir, { recursive: true });
  const exp = JSON.parse(readFileSync(`${ckptBase}.json`, 'utf8')).meta.config;
  // Weights: float16-representable values, stored as F16 here and as the same values in float32 for torch.
  // The RoPE tables (`attn.rope.rotations`, a quarter of the values) stay out of the fixture: neither forward
  // reads them (both compute RoPE for the actual map size) and both models build them at construction.
  const sd = readSafetensors(`${ckptBase}.safetensors`);
  const half = new Map();
  const full = new Map();
  for (const [k, t] of sd) {
    if (k.endsWith('.attn.rope.rotations')) {
      full.set(k, t);
      continue;
    }
    if (t.dtype !== 'float32') {
      half.set(k, t);
      full.set(k, t);
      continue;
    }
    const bits = Uint16Array.from(t.data, f16Bits);
    half.set(k, { dtype: 'float16', shape: t.shape, data: bits });
    full.set(k, { dtype: 'float32', shape: t.shape, data: Float32Array.from(bits, f16ToF32) });
  }
  writeFileSync(join(fixtureDir, 'model.safetensors.gz'), gzipSync(Buffer.concat(encodeSafetensors(half)), { level: 9 }));
  writeSafetensors(join(pyDir, 'model.safetensors'), full);

  // Two training images through the train pipeline up to (not including) Normalize and Pad, with a fixed Rng;
  // the fixture keeps them as uint8 and the two remaining steps, which the test applies as this script does.
  const ds = new CocoInstances({ annFile: join(root, exp.data.train.annFile), imgPrefix: join(root, exp.data.train.imgPrefix), testMode: false });
  const specs = detPipelineSpecs(exp.data.train.pipeline, 'data.train.pipeline');
  const rest = specs.filter((s) => s.type === 'Normalize' || s.type === 'Pad');
  const pipeline = buildDetPipeline(specs.filter((s) => !rest.includes(s)));
  const picks = (args[4] ?? '0,1').split(',').map(Number);
  const tensors = new Map();
  const samples = [];
  for (const [slot, index] of picks.entries()) {
    const s = pipeline.apply(await ds.get(index), new Rng(1000 + index));
    const { height: h, width: w } = s.img;
    tensors.set(`img${slot}`, { dtype: 'uint8', shape: [h, w, 3], data: s.img.data });
    tensors.set(`gt_bboxes${slot}`, { dtype: 'float32', shape: [s.gtBoxes.length / 4, 4], data: s.gtBoxes });
    tensors.set(`gt_labels${slot}`, { dtype: 'int32', shape: [s.gtLabels.length], data: s.gtLabels });
    tensors.set(`gt_masks${slot}`, { dtype: 'uint8', shape: [s.gtMasks.count, s.gtMasks.height, s.gtMasks.width], data: s.gtMasks.data });
    samples.push(s);
  }
  const meta = { metas: JSON.stringify(samples.map((s) => s.meta)), pipeline: JSON.stringify(rest) };
  writeFileSync(join(fixtureDir, 'batch.safetensors.gz'), gzipSync(Buffer.concat(encodeSafetensors(tensors, meta)), { level: 9 }));
  writeFileSync(join(fixtureDir, 'model-config.json'), `${JSON.stringify(exp.model, null, 1)}\n`);
  writeFileSync(join(pyDir, 'model-config.json'), JSON.stringify(exp.model));

  // The collated network input as the test builds it, NCHW for torch.
  const finish = buildDetPipeline(rest);
  const b = collateDet(samples.map((s) => finish.apply({ ...s, gtBoxesIgnore: new Float32Array(0) }, new Rng(0))));
  const [n, H, W, C] = b.shape;
  const nchw = new Float32Array(n * C * H * W);
  for (let i = 0; i < n; i++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) nchw[((i * C + c) * H + y) * W + x] = b.images[((i * H + y) * W + x) * C + c];
  const py = new Map([['img', { dtype: 'float32', shape: [n, C, H, W], data: nchw }]]);
  b.gtBoxes.forEach((g, i) => py.set(`gt_bboxes${i}`, { dtype: 'float32', shape: [g.length / 4, 4], data: g }));
  b.gtLabels.forEach((g, i) => py.set(`gt_labels${i}`, { dtype: 'int64', shape: [g.length], data: BigInt64Array.from(g, BigInt) }));
  b.gtMasks.forEach((m, i) => py.set(`gt_masks${i}`, { dtype: 'uint8', shape: [m.count, m.height, m.width], data: m.data }));
  writeSafetensors(join(pyDir, 'batch.safetensors'), py, { metas: JSON.stringify(b.metas) });
  console.log(`${fixtureDir}: images ${picks.join(', ')}, batch [${b.shape.join(', ')}]; torch inputs in ${pyDir}`);
}

if (cmd === 'config') {
  writeFileSync(args[1], `${JSON.stringify(experiment(args[0]), null, 1)}\n`);
} else if (cmd === 'batch') {
  await batch(args[0], args[1], args[2], args[3]);
} else {
  console.error(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(0, 9).join('\n'));
  process.exit(1);
}
