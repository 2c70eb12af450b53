import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { writeSafetensors } from '../../core/checkpoint/index.js';
import { Module } from '../../core/module.js';
import { LayerNorm, Linear } from '../../core/layers/index.js';
import { describeLoad, loadBackboneWeights } from '../../train/experiment.js';

const dir = mkdtempSync(join(tmpdir(), 'mila-bbw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend('cpu', { quiet: true });
});

class Backbone extends Module {
  constructor() {
    super();
    this.registerModule('fc', new Linear(2, 2));
    this.registerModule('norm0', new LayerNorm(2));
  }
}
class Detector extends Module {
  constructor() {
    super();
    this.registerModule('backbone', new Backbone());
    this.registerModule('head', new Linear(2, 1));
  }
}

const f32 = (xs: number[], shape: number[]) => ({ dtype: 'float32' as const, shape, data: Float32Array.from(xs) });

describe('--backbone-weights', () => {
  it('loads an ImageNet-style checkpoint into backbone.* and reports missing/unexpected keys as PyTorch does', () => {
    const file = join(dir, 'cls.safetensors');
    // PyTorch Linear weight [out, in] = [[1, 2], [3, 4]]; the classifier's own 'norm' and 'head' are not in the detection backbone.
    writeSafetensors(file, new Map([['fc.weight', f32([1, 2, 3, 4], [2, 2])], ['fc.bias', f32([5, 6], [2])], ['norm.weight', f32([1, 1], [2])], ['head.weight', f32([1, 1], [1, 2])]]));
    const det = new Detector();
    const before = Array.from(det.namedParameters().find(([k]) => k === 'head.weight')![1].dataSync());
    const r = loadBackboneWeights(det, file);
    expect(r.missingKeys).toEqual(['norm0.weight', 'norm0.bias']);
    expect(r.unexpectedKeys).toEqual(['norm.weight', 'head.weight']);
    const sd = det.stateDict();
    expect(Array.from(sd.get('backbone.fc.weight')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    expect(Array.from(sd.get('backbone.fc.bias')!.data as Float32Array)).toEqual([5, 6]);
    // The detector's own head is untouched even though the file has a 'head.weight'.
    expect(Array.from(det.namedParameters().find(([k]) => k === 'head.weight')![1].dataSync())).toEqual(before);
    expect(describeLoad('loaded x', r)).toBe('loaded x: missing keys: norm0.weight, norm0.bias; unexpected keys: norm.weight, head.weight');
    det.dispose();
  });

  it('takes the backbone.* part of a full detector checkpoint', () => {
    const file = join(dir, 'det.safetensors');
    writeSafetensors(file, new Map([['backbone.fc.weight', f32([0, 1, 1, 0], [2, 2])], ['backbone.fc.bias', f32([0, 0], [2])], ['backbone.norm0.weight', f32([2, 2], [2])], ['backbone.norm0.bias', f32([0, 0], [2])], ['head.weight', f32([9, 9], [1, 2])]]));
    const det = new Detector();
    const r = loadBackboneWeights(det, file);
    expect(r).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Array.from(det.stateDict().get('backbone.norm0.weight')!.data as Float32Array)).toEqual([2, 2]);
    det.dispose();
  });
});
