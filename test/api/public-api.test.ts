import { describe, expect, it } from 'vitest';
import * as api from '../../index.js';
import { runMila } from '../cli/run-mila.js';

describe('the package entry point', () => {
  it('exposes the models, evaluators, datasets and checkpoint I/O a user builds on', () => {
    expect(api.MILA_PRESETS).toHaveProperty('mila_t');
    expect(typeof api.MilaBackbone).toBe('function');
    expect(typeof api.MaskRCNN).toBe('function');
    expect(typeof api.EncoderDecoder).toBe('function');
    expect(typeof api.evaluation.COCOeval).toBe('function');
    expect(typeof api.evaluation.MIoUAccumulator).toBe('function');
    expect(typeof api.datasets.CocoInstances).toBe('function');
    expect(typeof api.checkpoint.loadCheckpoint).toBe('function');
    expect(api.configs.configNames()).toContain('mask_rcnn_mila_t_fpn_1x_coco');
  });

  it("leads with the high-level API and the zoo, and exports what the README's custom-head example needs", () => {
    for (const f of [api.loadDetector, api.loadSegmentor, api.fetchZooCheckpoint, api.maskRcnnModel, api.customDetBackbone, api.buildDetBatch, api.createTask, api.nativeStatus]) {
      expect(typeof f).toBe('function');
    }
    expect(api.ZOO.map((e) => e.preset).filter((p) => !p.startsWith('mila_')).every((p) => api.configs.configNames().includes(p))).toBe(true);
  });
});

describe('mila configs', () => {
  async function run(args: string[]): Promise<{ out: string[]; err: string; code: number }> {
    const r = await runMila('configs', ...args);
    return { out: r.lines, err: r.err, code: r.code };
  }


  it('lists every preset with its task and length, and prints one as JSON', async () => {
    const list = await run([]);
    const official = list.out.find((l) => l.startsWith('upernet_mila_b_512x512_160k_ade20k'));
    expect(official).toMatch(/segmentation\s+160000 iters$/);
    expect(list.out.find((l) => l.startsWith('mask_rcnn_mila_t_fpn_3x_coco'))).toMatch(/detection\s+36 epochs$/);
    const one = await run(['mask_rcnn_mila_t_fpn_1x_coco']);
    const cfg = JSON.parse(one.out.join('\n')) as { optimizer: { lr: number; weightDecay: number } };
    expect(cfg.optimizer.lr).toBe(1e-4);
    expect(cfg.optimizer.weightDecay).toBe(0.05);
  });

  it('names an unknown preset in one line with exit code 1', async () => {
    const r = await run(['mask_rcnn_mila_t_fpn_1x_cocoo']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^mila configs: unknown config 'mask_rcnn_mila_t_fpn_1x_cocoo' \(did you mean mask_rcnn_mila_t_fpn_1x_coco/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
