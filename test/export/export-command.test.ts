/**
 * `mila export` end to end on the main job's model (a narrow MILA Mask R-CNN) and the MILA-micro UperNet: the
 * files it writes, the weights in them (initial or from a checkpoint), the meta mmdet/mmseg read, and its
 * one-line refusals. The official code's view of these files is checked by hand (scripts/reference/, README).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { readPthFile } from '../../core/checkpoint/pth-file.js';
import { writeSafetensors } from '../../core/checkpoint/safetensors-file.js';
import { PyDict, PyTuple, StorageRef, unpickle, type PyValue } from '../../core/checkpoint/pickle.js';
import { manualSeed } from '../../core/rng.js';
import { getConfig, applyOverrides } from '../../configs/index.js';
import { exportMmConfig } from '../../configs/export/index.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import type { StateDict } from '../../core/host-tensor.js';
import { runMila } from '../cli/run-mila.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mila-export-'));
const coco = path.join(tmp, 'coco');
const COMMON = ['--backend', 'cpu'];

beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
  const made = await runMila('make-data', '--kind', 'coco', '--out', coco, '--images', '2', '--val-images', '1', '--size', '64x64');
  expect(made.code, made.err).toBe(0);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sameTensors(a: StateDict, b: StateDict): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [k, v] of a) {
    const w = b.get(k)!;
    expect(w.shape, k).toEqual(v.shape);
    expect(w.dtype, k).toBe(v.dtype);
    expect(Buffer.compare(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength), Buffer.from(v.data.buffer, v.data.byteOffset, v.data.byteLength)), k).toBe(0);
  }
}

/** The `meta` dict of an mmcv-layout .pth, read with our restricted unpickler (readPth skips it). */
function metaOf(file: string): Map<PyValue, PyValue> {
  const entries = unzipSync(readFileSync(file));
  const root = unpickle(entries['archive/data.pkl']!, file, () => new StorageRef('float32', '0', -1)) as PyDict;
  return (root.map.get('meta') as PyDict).map;
}

function mainJobModel(): { cfg: ReturnType<typeof getConfig>; model: MaskRCNN } {
  const cfg = getConfig('mask_rcnn_mila_main_job');
  applyOverrides(cfg, [`data.root=${coco}`]);
  manualSeed(cfg.seed);
  return { cfg, model: new MaskRCNN(cfg.model as MaskRCNNConfig, { seed: cfg.seed }) };
}

describe('mila export', () => {
  it('without a checkpoint writes config.py, the initial weights mila train starts from, and the backbone alone', async () => {
    const out = path.join(tmp, 'init');
    const r = await runMila('export', 'mask_rcnn_mila_main_job', '--out-dir', out, ...COMMON, '--set', `data.root=${coco}`);
    expect(r.code, r.err).toBe(0);
    expect(r.lines[0]).toBe(`${path.join(out, 'config.py')}: mmdetection 2.x config of mask_rcnn_mila_main_job`);

    const { cfg, model } = mainJobModel();
    // Class names come from the annotation file, as mmdet must be told them.
    const classes = ['circle', 'rectangle', 'triangle', 'ring', 'star'];
    expect(readFileSync(path.join(out, 'config.py'), 'utf8')).toBe(exportMmConfig(cfg, { classes }));
    const sd = model.stateDict();
    sameTensors(sd, readPthFile(path.join(out, 'model.pth')));
    const backbone = readPthFile(path.join(out, 'backbone.pth'));
    expect(backbone.size).toBe([...sd.keys()].filter((k) => k.startsWith('backbone.')).length);
    expect(backbone.get('layers.0.blocks.0.attn.qk.weight')!.data).toEqual(sd.get('backbone.layers.0.blocks.0.attn.qk.weight')!.data);
    expect(backbone.get('norm3.bias')).toBeDefined();
    expect(sd.get('backbone.patch_embed.conv1.norm.num_batches_tracked')!.dtype).toBe('int64');

    const meta = metaOf(path.join(out, 'model.pth'));
    expect((meta.get('CLASSES') as PyTuple).items).toEqual(classes);
    expect(meta.get('mila_config')).toBe('mask_rcnn_mila_main_job');
    expect(meta.get('mila_weights')).toBe('initial weights (seed 0)');
  });

  it('with a checkpoint writes its weights; one that does not fit the config is refused', async () => {
    const { model } = mainJobModel();
    const sd = model.stateDict();
    const w = sd.get('roi_head.bbox_head.fc_cls.weight')!;
    (w.data as Float32Array).fill(0.25);
    const ckpt = path.join(tmp, 'trained.safetensors');
    writeSafetensors(ckpt, sd);
    const out = path.join(tmp, 'trained');
    const r = await runMila('export', 'mask_rcnn_mila_main_job', ckpt, '--out-dir', out, ...COMMON, '--set', `data.root=${coco}`);
    expect(r.code, r.err).toBe(0);
    sameTensors(sd, readPthFile(path.join(out, 'model.pth')));
    expect(metaOf(path.join(out, 'model.pth')).get('mila_weights')).toBe(ckpt);

    sd.delete('roi_head.bbox_head.fc_cls.bias');
    const partial = path.join(tmp, 'partial.safetensors');
    writeSafetensors(partial, sd);
    const bad = await runMila('export', 'mask_rcnn_mila_main_job', partial, '--out-dir', path.join(tmp, 'bad'), ...COMMON, '--set', `data.root=${coco}`);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(`mila export: loaded ${partial}: missing keys: roi_head.bbox_head.fc_cls.bias; unexpected keys: none: the export needs weights that fit the config exactly\n`);
    expect(existsSync(path.join(tmp, 'bad'))).toBe(false);
  });

  it('exports a MILA UperNet with mmseg\'s meta (CLASSES and PALETTE, which init_segmentor reads)', async () => {
    const out = path.join(tmp, 'micro');
    const r = await runMila('export', 'upernet_mila_micro_128x128_2k_ade20k', '--out-dir', out, ...COMMON);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(path.join(out, 'config.py'), 'utf8')).toBe(exportMmConfig(getConfig('upernet_mila_micro_128x128_2k_ade20k'), { classes: null }));
    const sd = readPthFile(path.join(out, 'model.pth'));
    expect(sd.has('decode_head.psp_modules.0.1.conv.weight')).toBe(true);
    expect(sd.has('auxiliary_head.convs.0.bn.num_batches_tracked')).toBe(true);
    const meta = metaOf(path.join(out, 'model.pth'));
    const classes = (meta.get('CLASSES') as PyTuple).items;
    expect(classes).toHaveLength(150);
    expect(classes.slice(0, 3)).toEqual(['wall', 'building', 'sky']);
    expect((meta.get('PALETTE') as PyValue[]).slice(0, 2)).toEqual([
      [120, 120, 120],
      [180, 120, 120],
    ]);
  });

  it('refuses, in one line and before writing anything, what has no mmdet/mmseg equivalent or cannot name its classes', async () => {
    const out = path.join(tmp, 'tinyconv');
    const r = await runMila('export', 'upernet_tinyconv_64x64_500_ade20k', '--out-dir', out, ...COMMON);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "mila export: backbone the conv stand-in 'TinyConv' (backbones/tiny-conv.ts) has no mmsegmentation equivalent: only MILA (mmseg's MLLA) backbones export\n",
    );
    expect(existsSync(out)).toBe(false);

    const noData = await runMila('export', 'mask_rcnn_mila_main_job', '--out-dir', out, ...COMMON, '--set', `data.root=${path.join(tmp, 'nowhere')}`);
    expect(noData.code).toBe(1);
    expect(noData.err).toMatch(/^mila export: data\.classes is null and no annotation file of the config exists .*mmdet would use the 80 COCO class names for this 5-class model/);

    const unknown = await runMila('export', 'mask_rcnn_mila_main_job', '--out-dir', out, ...COMMON, '--set', `data.root=${coco}`, 'data.classes=["circle","hexagon"]');
    expect(unknown.err).toBe(`mila export: ${path.join(coco, 'annotations/instances_val2017.json')}: data.classes not among its categories: hexagon\n`);

    // Categories listed out of id order: mmdet would number them otherwise than mila-dense.
    const shuffled = path.join(tmp, 'shuffled');
    mkdirSync(path.join(shuffled, 'annotations'), { recursive: true });
    const ann = { images: [], annotations: [], categories: [{ id: 2, name: 'b' }, { id: 1, name: 'a' }] };
    writeFileSync(path.join(shuffled, 'annotations/instances_val2017.json'), JSON.stringify(ann));
    const order = await runMila('export', 'mask_rcnn_mila_main_job', '--out-dir', out, ...COMMON, '--set', `data.root=${shuffled}`);
    expect(order.code).toBe(1);
    expect(order.err).toContain('categories are not listed in id order; mmdet numbers classes in file order, mila-dense by id');
    expect(existsSync(out)).toBe(false);
  });
});
