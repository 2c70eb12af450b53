import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoBackendOrder, initBackend } from '../../core/backend.js';
import { registerAllGradients } from '../../core/kernels/register-gradients.js';
import { manualSeed } from '../../core/rng.js';
import { NATIVE_ENV } from '../../core/native/addon.js';
import type { LossTerms, TrainableModel } from '../../models/types.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import { maskRcnnModel, milaDetBackbone } from '../../models/detector/mask-rcnn-config.js';
import { EncoderDecoder, type EncoderDecoderConfig } from '../../models/segmentor/encoder-decoder.js';
import { UPERNET_MILA_T } from '../../configs/upernet.js';
import { AdamW } from '../../train/adamw.js';
import { paramSettings } from '../../train/param-groups.js';
import { trainStep } from '../../train/train-step.js';
import { rectangleBatch } from '../detection/det-batch.js';
import { syntheticSegBatch } from '../segmentation/synthetic-seg-data.js';

/** What one seeded forward + backward gives on a backend: every loss term and every parameter's gradient. */
interface StepValues {
  terms: Record<string, number>;
  grads: Map<string, Float32Array>;
}

function lossOf(terms: LossTerms): tf.Scalar {
  return tf.addN(Object.entries(terms).filter(([k]) => k.includes('loss')).map(([, v]) => v)) as tf.Scalar;
}

/** Build a model on `backend` from the seed, run forwardTrain on `batch` and differentiate the summed losses. */
async function stepValues<B>(backend: string, build: () => TrainableModel<B> & { namedParameters(): [string, tf.Variable][]; dispose(): void }, batch: B): Promise<StepValues> {
  await initBackend(backend, { quiet: true });
  expect(tf.getBackend()).toBe(backend);
  manualSeed(3);
  const model = build();
  const named = model.namedParameters();
  const terms: Record<string, number> = {};
  const { value, grads } = tf.variableGrads(() => {
    const t = model.forwardTrain(batch);
    for (const [k, v] of Object.entries(t)) terms[k] = v.dataSync()[0]!;
    return lossOf(t);
  }, named.map(([, v]) => v));
  const byName = new Map<string, Float32Array>();
  for (const [name, v] of named) {
    const g = grads[v.name];
    if (g) byName.set(name, g.dataSync() as Float32Array);
  }
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return { terms, grads: byName };
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** max |a - b| / max |b|: the error relative to the tensor's own scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  for (let i = 0; i < b.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  return diff / maxAbs(b);
}

/**
 * Same loss terms and gradients within 1e-4 relative. Gradients that are zero in exact arithmetic (the bias of a
 * conv followed by BatchNorm, which the normalisation removes) are float noise on both sides: those (below 1e-5
 * of the model's largest gradient on the reference) must be that small on the other side too.
 */
function expectSameStep(got: StepValues, ref: StepValues): void {
  expect(Object.keys(got.terms).sort()).toEqual(Object.keys(ref.terms).sort());
  for (const [k, v] of Object.entries(ref.terms)) expect(Math.abs(got.terms[k]! - v) / Math.max(Math.abs(v), 1e-6), k).toBeLessThan(1e-4);
  expect([...got.grads.keys()].sort()).toEqual([...ref.grads.keys()].sort());
  expect(ref.grads.size).toBeGreaterThan(10);
  const largest = Math.max(...[...ref.grads.values()].map(maxAbs));
  let compared = 0;
  for (const [name, g] of ref.grads) {
    const other = got.grads.get(name)!;
    if (maxAbs(g) < 1e-5 * largest) {
      expect(maxAbs(other), name).toBeLessThan(1e-5 * largest);
    } else {
      expect(relativeError(other, g), name).toBeLessThan(1e-4);
      compared++;
    }
  }
  // Most are compared relatively (a block that drop path dropped has exact-zero gradients on both sides).
  expect(compared).toBeGreaterThan(0.8 * ref.grads.size);
}

/** A MILA Mask R-CNN small enough for a test: embedDim 16, one block a stage, narrow heads. */
function smallMaskRcnn(): MaskRCNN {
  const cfg = maskRcnnModel(milaDetBackbone(16, [1, 1, 1, 1], [1, 1, 2, 2], 0.1), {
    inChannels: [16, 32, 64, 128], numClasses: 3, fpnChannels: 16, fcOutChannels: 32, maskConvs: 1, maskConvChannels: 16,
    trainNmsPre: 200, trainProposals: 64, testNmsPre: 200, testProposals: 64, rcnnSamples: 32, maxPerImg: 20,
  });
  return new MaskRCNN(cfg, { seed: 1 }).train();
}

/** UperNet with a MILA backbone of embedDim 16, two blocks a stage (decode + auxiliary head), 4 classes. */
function smallUperNet(dropoutRatio = 0.1): EncoderDecoder {
  const cfg: EncoderDecoderConfig = structuredClone(UPERNET_MILA_T.model);
  cfg.backbone = { ...(cfg.backbone as object), embedDim: 16, depths: [2, 2, 2, 2], numHeads: [1, 1, 2, 2] } as EncoderDecoderConfig['backbone'];
  cfg.decodeHead = { ...cfg.decodeHead, inChannels: [16, 32, 64, 128], channels: 16, numClasses: 4, dropoutRatio };
  cfg.auxiliaryHead = { ...cfg.auxiliaryHead!, inChannels: [64], channels: 8, numClasses: 4 };
  return new EncoderDecoder(cfg).train();
}

describe('auto', () => {
  it('tries the native backend before wasm for training only (inference stays on wasm, which is faster there)', () => {
    expect(autoBackendOrder(true)).toEqual(['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu']);
    expect(autoBackendOrder(false)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'native', 'cpu']);
  });
});

describe.skipIf(process.env[NATIVE_ENV] === '0')('the native backend trains as wasm and cpu do', () => {
  beforeAll(async () => {
    await initBackend('wasm', { quiet: true });
    await registerAllGradients();
  });

  it('Mask R-CNN (MILA backbone): the five losses and every gradient equal wasm within 1e-4 relative', async () => {
    const batch = rectangleBatch(2, 64, [[8, 8, 40, 30, 30, 36, 60, 60], [4, 20, 28, 60]], 3);
    const ref = await stepValues('wasm', smallMaskRcnn, batch);
    const got = await stepValues('native', smallMaskRcnn, batch);
    expect(Object.keys(ref.terms)).toContain('loss_mask');
    expectSameStep(got, ref);
  });

  it('UperNet (MILA backbone, drop path and Dropout2d active): losses and every gradient equal cpu within 1e-4 relative', async () => {
    const batch = syntheticSegBatch(2, 64, 7);
    const ref = await stepValues('cpu', smallUperNet, batch);
    const got = await stepValues('native', smallUperNet, batch);
    expect(Object.keys(ref.terms)).toContain('aux.loss_ce');
    expectSameStep(got, ref);
  });

  // Gradients that are zero in exact arithmetic differ most between backends: besides conv biases before BatchNorm,
  // the PPM's scale-1 branch (a BatchNorm over 2 values a channel at batch 2: x̂ = ±1 whatever the input, so its
  // conv weight's gradient is 1e-7 of the largest) and the LayerNorm biases before the lateral convs.
  it('UperNet (MILA backbone, drop path and Dropout2d active): losses and every gradient equal wasm within 1e-4 relative', async () => {
    const batch = syntheticSegBatch(2, 64, 7);
    const ref = await stepValues('wasm', smallUperNet, batch);
    const got = await stepValues('native', smallUperNet, batch);
    expectSameStep(got, ref);
  });

  it('a training step (trainStep with AdamW) on native leaves the tensor count and the tensor memory unchanged', async () => {
    await initBackend('native', { quiet: true });
    manualSeed(3);
    const model = smallMaskRcnn();
    const opt = new AdamW(paramSettings(model, UPERNET_MILA_T.optimizer), { betas: [0.9, 0.999], eps: 1e-8 });
    const batch = rectangleBatch(2, 64, [[8, 8, 40, 30, 30, 36, 60, 60], [4, 20, 28, 60]], 3);
    // The first step creates AdamW's moments and the RoPE tables for these sizes (kept on purpose).
    trainStep(model, opt, batch, 1e-4, null);
    const before = tf.memory();
    const second = trainStep(model, opt, batch, 1e-4, null);
    expect(Number.isFinite(second.loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    opt.dispose();
    model.dispose();
  });
});
