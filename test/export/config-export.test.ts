/**
 * The exported mmdet/mmseg config text of every exportable preset against golden files reviewed by hand against
 * the official MLLA configs (test/export/golden/README.md). Regenerate deliberately with
 * `MILA_UPDATE_GOLDEN=1 npx vitest run test/export/config-export.test.ts`, then review the diff.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOverrides, getConfig } from '../../configs/index.js';
import { exportMmConfig } from '../../configs/export/index.js';
import { customDetBackbone, maskRcnnModel } from '../../models/detector/mask-rcnn-config.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const UPDATE = process.env.MILA_UPDATE_GOLDEN === '1';
/** What `mila export` reads from the synthetic COCO annotation files (datasets/synthetic, id order). */
const SYNTHETIC = ['circle', 'rectangle', 'triangle', 'ring', 'star'];

const PRESETS: [string, string[] | null][] = [
  ['mask_rcnn_mila_t_fpn_1x_coco', null],
  ['mask_rcnn_mila_t_fpn_3x_coco', null],
  ['mask_rcnn_mila_s_fpn_1x_coco', null],
  ['mask_rcnn_mila_s_fpn_3x_coco', null],
  ['mask_rcnn_mila_b_fpn_1x_coco', null],
  ['mask_rcnn_mila_tiny_fpn_synthetic', SYNTHETIC],
  ['mask_rcnn_mila_main_job', SYNTHETIC],
  ['upernet_mila_t_512x512_160k_ade20k', null],
  ['upernet_mila_s_512x512_160k_ade20k', null],
  ['upernet_mila_b_512x512_160k_ade20k', null],
  ['upernet_mila_micro_128x128_2k_ade20k', null],
];

describe('mila export: config.py text', () => {
  for (const [name, classes] of PRESETS) {
    it(`${name} matches test/export/golden/${name}.py`, () => {
      const text = exportMmConfig(getConfig(name), { classes });
      const file = join(GOLDEN, `${name}.py`);
      if (UPDATE) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(file, text);
      }
      expect(existsSync(file), `${file} missing: run with MILA_UPDATE_GOLDEN=1 and review it`).toBe(true);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('carries --set changes into the mmdet keys, writing non-default options the official files leave out', () => {
    const cfg = getConfig('mask_rcnn_mila_main_job');
    applyOverrides(cfg, [
      'model.roiHead.bboxRoiExtractor.finestScale=112',
      'model.trainCfg.rpn.assigner.gtMaxAssignAll=false',
      'optimizer.eps=1e-6',
      'optimizer.paramwise.normDecayMult=0.5',
      'lrConfig.gamma=0.5',
      'runner.checkpointInterval=0',
      'model.backbone.useCheckpoint=true',
      'data.classes=["circle","star"]',
    ]);
    const text = exportMmConfig(cfg, { classes: cfg.data.classes });
    expect(text).toContain('finest_scale=112');
    expect(text).toContain('gt_max_assign_all=False');
    expect(text).toContain('eps=1e-06');
    expect(text).toContain('norm_decay_mult=0.5');
    expect(text).toContain('gamma=0.5');
    expect(text).toContain('by_epoch=False');
    expect(text).toContain('checkpoint_config = dict(by_epoch=False, interval=-1)');
    expect(text).toContain('use_checkpoint=True');
    expect(text).toContain("classes=('circle', 'star')");
    expect(text).toContain('grad_clip=dict(max_norm=10, norm_type=2)');
    // evalInterval 0 (off): evaluate once at the end, with a note.
    expect(text).toMatch(/# no evaluation during training.*\nevaluation = dict\(interval=600, metric=\['bbox', 'segm'\]\)/);
  });

  it('writes slide inference, avg_non_ignore, another ignore index and no auxiliary head for mmseg', () => {
    const cfg = getConfig('upernet_mila_micro_128x128_2k_ade20k');
    applyOverrides(cfg, ['model.testCfg.mode=slide', 'model.decodeHead.avgNonIgnore=true', 'model.decodeHead.ignoreIndex=254']);
    cfg.model.auxiliaryHead = null; // a config JSON may say so (--set cannot turn an object into null)
    const text = exportMmConfig(cfg, { classes: null });
    expect(text).toContain("test_cfg=dict(mode='slide', crop_size=(128, 128), stride=(85, 85))");
    expect(text).toContain('avg_non_ignore=True');
    expect(text).toContain('ignore_index=254');
    expect(text).not.toContain('auxiliary_head');
  });

  it('refuses a backbone without an mmdet/mmseg counterpart, naming it', () => {
    expect(() => exportMmConfig(getConfig('upernet_tinyconv_64x64_500_ade20k'), { classes: null })).toThrow(
      "backbone the conv stand-in 'TinyConv' (backbones/tiny-conv.ts) has no mmsegmentation equivalent: only MILA (mmseg's MLLA) backbones export",
    );
    const cfg = getConfig('mask_rcnn_mila_main_job');
    cfg.model = maskRcnnModel(customDetBackbone('MyBackbone', [8, 16, 24, 32].map((channels, i) => ({ channels, stride: 4 * 2 ** i }))), { inChannels: [8, 16, 24, 32], numClasses: 5 });
    expect(() => exportMmConfig(cfg, { classes: null })).toThrow("backbone 'MyBackbone' has no mmdetection equivalent");
  });
});
