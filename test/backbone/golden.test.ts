import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { loadCheckpoint } from '../../core/checkpoint/load.js';
import { MilaBackbone } from '../../backbones/mila/backbone.js';
import { MilaClassifier } from '../../backbones/mila/classifier.js';
import { WEIGHTS, configFromMeta, goldenCase, maxAbsDiff, nchwToNhwc } from './golden-cases.js';

const BN_COUNTERS = [
  'patch_embed.conv1.norm.num_batches_tracked',
  'patch_embed.conv2.0.norm.num_batches_tracked',
  'patch_embed.conv2.1.norm.num_batches_tracked',
  'patch_embed.conv3.0.norm.num_batches_tracked',
  'patch_embed.conv3.1.norm.num_batches_tracked',
  'layers.0.downsample.conv.2.norm.num_batches_tracked',
  'layers.1.downsample.conv.2.norm.num_batches_tracked',
  'layers.2.downsample.conv.2.norm.num_batches_tracked',
].sort();

const TOL = 1e-4;
const backendName = process.env.MILA_TEST_BACKEND ?? 'wasm';

describe(`MILA golden parity (${backendName})`, () => {
  beforeAll(async () => {
    await initBackend(backendName, { quiet: true });
    expect(tf.getBackend()).toBe(backendName);
  });

  for (const caseName of ['tiny_det_64', 'tiny_det_odd', 'tiny_det_pad']) {
    for (const fmt of ['pth', 'safetensors'] as const) {
      it(`${caseName} from .${fmt}: outputs within ${TOL}, parameter count and strict=False report as PyTorch`, () => {
        const { meta, io } = goldenCase(caseName);
        const model = new MilaBackbone(configFromMeta(meta)).eval();
        expect(model.numParameters()).toBe(meta.param_count);
        for (const [name, count] of Object.entries(meta.param_count_by_top_level_module)) {
          if (name.includes('.')) continue;
          const mod = model.namedChildren().find(([n]) => n === name);
          expect(mod ? mod[1].numParameters() : 0, name).toBe(count);
        }
        const { missingKeys, unexpectedKeys } = model.loadStateDict(loadCheckpoint(WEIGHTS[fmt]));
        // tiny_det_pad's meta.json points at tiny_det_64's weights and report (same model, same file).
        const expected = (meta.weights.load_strict_false_into_this_model ?? goldenCase('tiny_det_64').meta.weights.load_strict_false_into_this_model)!;
        expect(unexpectedKeys.sort()).toEqual([...expected.unexpected_keys].sort());
        // The .safetensors lacks the int64 BatchNorm counters (meta.json's note), so they are missing too.
        expect(missingKeys.sort()).toEqual(fmt === 'pth' ? expected.missing_keys : BN_COUNTERS);
        expect(model.outShapes).toEqual([
          { channels: 16, stride: 4 },
          { channels: 32, stride: 8 },
          { channels: 64, stride: 16 },
          { channels: 128, stride: 32 },
        ]);

        const x = nchwToNhwc(io.get('input')!);
        const outs = model.forward(x);
        const errors: Record<string, number> = {};
        outs.forEach((o, i) => {
          const ref = io.get(`out${i}`)!;
          const nchw = tf.transpose(o, [0, 3, 1, 2]);
          expect(nchw.shape).toEqual(ref.shape);
          errors[`out${i}`] = maxAbsDiff(nchw.dataSync() as Float32Array, ref.data as Float32Array);
          nchw.dispose();
        });
        console.log(`[parity ${backendName}] ${caseName} .${fmt}: ${JSON.stringify(errors)}`);
        for (const [k, e] of Object.entries(errors)) expect(e, k).toBeLessThanOrEqual(TOL);
        tf.dispose([x, ...outs]);
        model.dispose();
      });
    }
  }

  for (const fmt of ['pth', 'safetensors'] as const) {
    it(`tiny_cls_64 classifier from .${fmt}: logits within ${TOL}, parameter count and report as PyTorch`, () => {
      const { meta, io } = goldenCase('tiny_cls_64');
      const model = new MilaClassifier(configFromMeta(meta), meta.config.num_classes).eval();
      expect(model.numParameters()).toBe(meta.param_count);
      const { missingKeys, unexpectedKeys } = model.loadStateDict(loadCheckpoint(WEIGHTS[fmt]));
      const expected = meta.weights.load_strict_false_into_this_model!;
      expect(unexpectedKeys.sort()).toEqual([...expected.unexpected_keys].sort());
      expect(missingKeys.sort()).toEqual(fmt === 'pth' ? expected.missing_keys : BN_COUNTERS);
      const x = nchwToNhwc(io.get('input')!);
      const logits = model.forward(x);
      const ref = io.get('logits')!;
      expect(logits.shape).toEqual(ref.shape);
      const err = maxAbsDiff(logits.dataSync() as Float32Array, ref.data as Float32Array);
      console.log(`[parity ${backendName}] tiny_cls_64 .${fmt}: {"logits":${err}}`);
      expect(err).toBeLessThanOrEqual(TOL);
      tf.dispose([x, logits]);
      model.dispose();
    });
  }
});
