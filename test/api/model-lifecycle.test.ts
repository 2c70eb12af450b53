import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/backend.js';
import { getConfig } from '../../configs/index.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import { buildEncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';
import type { Module } from '../../core/module.js';

/** Building a model allocates exactly one tensor per parameter and buffer, and dispose() frees them all. */
function expectCleanLifecycle(build: () => Module): void {
  const before = tf.memory().numTensors;
  const model = build();
  const owned = model.namedParameters().length + model.namedBuffers().length;
  expect(owned).toBeGreaterThan(100);
  expect(tf.memory().numTensors - before).toBe(owned);
  model.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

describe('model construction and disposal leave no stray tensors', () => {
  it('Mask R-CNN (main job config)', async () => {
    await initBackend('wasm', { quiet: true });
    expectCleanLifecycle(() => new MaskRCNN(getConfig('mask_rcnn_mila_main_job').model as MaskRCNNConfig));
  });

  it('UperNet (micro config)', async () => {
    await initBackend('wasm', { quiet: true });
    expectCleanLifecycle(() => buildEncoderDecoder(getConfig('upernet_mila_micro_128x128_2k_ade20k').model as EncoderDecoderConfig));
  });
});
