import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configNames, getConfig, resolveConfig } from '../../configs/index.js';
import { detPipelineSpecs, segPipelineSpecs } from '../../tasks/config-pipeline.js';

const dir = mkdtempSync(join(tmpdir(), 'mila-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config registry', () => {
  it('holds the main job preset and returns independent copies', () => {
    expect(configNames()).toContain('mask_rcnn_mila_main_job');
    const a = getConfig('mask_rcnn_mila_main_job');
    a.optimizer.lr = 123;
    expect(getConfig('mask_rcnn_mila_main_job').optimizer.lr).toBe(2e-3);
  });

  it('names close matches for an unknown preset', () => {
    expect(() => getConfig('mask_rcnn_mila_main_jb')).toThrow(/^unknown config 'mask_rcnn_mila_main_jb' \(did you mean mask_rcnn_mila_main_job\?\)/);
  });

  it('reads a config JSON file (as mila train writes into its work dir) and checks its top level', () => {
    const cfg = getConfig('mask_rcnn_mila_main_job');
    const good = join(dir, 'config.json');
    writeFileSync(good, JSON.stringify(cfg));
    expect(resolveConfig(good)).toEqual(cfg);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', task: 'detection' }));
    expect(() => resolveConfig(bad)).toThrow(`${bad}: config lacks model, data, optimizer, lrConfig, runner, evaluation, seed`);
    expect(() => resolveConfig(join(dir, 'none.json'))).toThrow(/none.json: config file not found/);
  });
});

describe('config pipelines to loader transform specs', () => {
  it('drops loading/formatting steps and flattens MultiScaleFlipAug into a Resize at its scale', () => {
    const test = [
      { type: 'LoadImageFromFile' },
      {
        type: 'MultiScaleFlipAug',
        imgScale: [1333, 800],
        flip: false,
        transforms: [{ type: 'Resize', keepRatio: true }, { type: 'RandomFlip' }, { type: 'Normalize', mean: [1, 2, 3], std: [4, 5, 6], toRgb: true }, { type: 'Pad', sizeDivisor: 32 }, { type: 'ImageToTensor', keys: ['img'] }, { type: 'Collect', keys: ['img'] }],
      },
    ];
    expect(detPipelineSpecs(test, 'data.test.pipeline')).toEqual([
      { type: 'Resize', imgScale: [[1333, 800]], multiscaleMode: 'value', keepRatio: true, override: false },
      { type: 'Normalize', mean: [1, 2, 3], std: [4, 5, 6] },
      { type: 'Pad', sizeDivisor: 32, size: undefined },
    ]);
  });

  it('keeps the official AutoAugment train pipeline as nested policies', () => {
    const specs = detPipelineSpecs(getConfig('mask_rcnn_mila_t_fpn_1x_coco').data.train.pipeline, 'p');
    expect(specs.map((s) => s.type)).toEqual(['RandomFlip', 'AutoAugment', 'Normalize', 'Pad']);
    const aa = specs[1] as { policies: { type: string }[][] };
    expect(aa.policies.map((p) => p.map((s) => s.type))).toEqual([['Resize'], ['Resize', 'RandomCrop', 'Resize']]);
    // the official second Resize has override=True (mmdet then keeps only its scale_factor)
    expect(aa.policies[1]!.map((s) => (s as { override?: boolean }).override)).toEqual([false, undefined, true]);
  });

  it('maps the mmseg ADE20K pipelines', () => {
    const cfg = getConfig('upernet_mila_b_512x512_160k_ade20k');
    expect(segPipelineSpecs(cfg.data.train.pipeline, 'p').map((s) => s.type)).toEqual(['Resize', 'RandomCrop', 'RandomFlip', 'PhotoMetricDistortion', 'Normalize', 'Pad']);
    expect(segPipelineSpecs(cfg.data.test.pipeline, 'p')[0]).toEqual({ type: 'Resize', imgScale: [2048, 512] });
  });

  it('names the step of an unknown transform', () => {
    expect(() => detPipelineSpecs([{ type: 'Mosaic' }], 'data.train.pipeline')).toThrow(/^data.train.pipeline\[0\] Mosaic: unknown detection transform/);
  });
});
