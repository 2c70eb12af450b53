/**
 * One Mask R-CNN training forward against the official mmdet 2.25 code on the same weights and batch
 * (test/detection/fixtures/official-train, made by scripts/reference: see the README there). Both samplers take
 * every candidate (num 1e6), so no random draw is involved: the sample counts must be equal, the losses and
 * the proposals equal up to the float noise of two different convolution libraries.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../core/backend.js';
import { readSafetensorsFile } from '../../core/checkpoint/safetensors.js';
import { Rng } from '../../core/rng.js';
import { collateDet } from '../../datasets/loader/collate.js';
import { buildDetPipeline } from '../../datasets/pipelines/build-pipeline.js';
import type { DetTransformSpec } from '../../datasets/pipelines/pipeline-spec.js';
import type { DetBatch, DetSample, ImageMeta } from '../../core/types/data.js';
import { MaskRCNN } from '../../models/detector/mask-rcnn.js';
import type { MaskRCNNConfig } from '../../models/detector/mask-rcnn-config.js';

const FIXTURE = new URL('./fixtures/official-train/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, FIXTURE));

interface Official {
  loss_rpn_cls: number;
  loss_rpn_bbox: number;
  loss_cls: number;
  acc: number;
  loss_bbox: number;
  loss_mask: number;
  rpn_pos_neg: [number, number][];
  rcnn_pos_neg: [number, number][];
  /** Per image, rows x1, y1, x2, y2, score. */
  proposals: number[][][];
}

/** The fixture's uint8 samples through its remaining pipeline steps (Normalize, Pad) and mmcv's collate. */
function fixtureBatch(): DetBatch {
  const { tensors, metadata } = readSafetensorsFile('batch.safetensors.gz', gunzipSync(read('batch.safetensors.gz')));
  const metas = JSON.parse(metadata.metas!) as ImageMeta[];
  const finish = buildDetPipeline(JSON.parse(metadata.pipeline!) as DetTransformSpec[]);
  const get = (k: string) => tensors.get(k)!;
  const samples = metas.map((meta, i): DetSample => {
    const img = get(`img${i}`);
    const masks = get(`gt_masks${i}`);
    return {
      img: { data: img.data as Uint8Array, height: img.shape[0]!, width: img.shape[1]!, channels: 3 },
      meta,
      gtBoxes: get(`gt_bboxes${i}`).data as Float32Array,
      gtLabels: get(`gt_labels${i}`).data as Int32Array,
      gtBoxesIgnore: new Float32Array(0),
      gtMasks: { count: masks.shape[0]!, height: masks.shape[1]!, width: masks.shape[2]!, data: masks.data as Uint8Array },
    };
  });
  return collateDet(samples.map((s) => finish.apply(s, new Rng(0))!));
}

/**
 * Measured against the fixture: with the native kernels the losses differ from torch's by <= 1e-7 relative and the
 * proposals by <= 1.5e-5 px; with the wasm kernels (MILA_NATIVE=0, other summation orders in the convolutions)
 * by <= 5e-6 and 1.3e-4 px. Before the float32 box arithmetic, the RPN counts were 28/31 instead of 49/24,
 * loss_rpn_cls and loss_rpn_bbox were 4.8 % and 12.5 % low and image 0's proposals differed by up to 89 px.
 */
const LOSS_REL_TOL = process.env.MILA_NATIVE === '0' ? 2e-5 : 1e-6;
const BOX_TOL_PX = 1e-3;
const SCORE_TOL = 2e-5;

function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

describe('Mask R-CNN training forward = official mmdet 2.25 (fixture batch, samplers take every candidate)', () => {
  const official = JSON.parse(read('official.json').toString()) as Official;
  const cfg = JSON.parse(read('model-config.json').toString()) as MaskRCNNConfig;
  let model: MaskRCNN;
  let batch: DetBatch;
  const ours: { terms: Record<string, number>; rpnPosNeg: number[][]; rcnnPosNeg: number[][]; proposals: { boxes: Float32Array; scores: Float32Array }[] } = {
    terms: {},
    rpnPosNeg: [],
    rcnnPosNeg: [],
    proposals: [],
  };

  beforeAll(async () => {
    await initBackend('wasm', { quiet: true });
    // the official run used sampler num 1e6 (every anchor / proposal sampled); so do we
    cfg.trainCfg.rpn.sampler.num = 1e6;
    cfg.trainCfg.rcnn.sampler.num = 1e6;
    model = new MaskRCNN(cfg);
    const weights = readSafetensorsFile('model.safetensors.gz', gunzipSync(read('model.safetensors.gz'))).tensors;
    const loaded = model.loadStateDict(weights);
    // the fixture leaves out the RoPE tables, which the forward does not read
    expect(loaded.unexpectedKeys).toEqual([]);
    expect(loaded.missingKeys.filter((k) => !k.endsWith('.attn.rope.rotations'))).toEqual([]);
    expect(loaded.missingKeys.length).toBe(4);
    model.train();
    batch = fixtureBatch();

    const terms = model.forwardTrain(batch);
    for (const [k, t] of Object.entries(terms)) ours.terms[k] = t.dataSync()[0]!;
    tf.dispose(Object.values(terms));

    // The same forward again, stopping at the RPN targets, the proposals and the RoI samples.
    tf.tidy(() => {
      const feats = model.extractFeats(tf.tensor4d(batch.images, batch.shape));
      const out = model.rpnHead.forward(feats);
      const t = cfg.trainCfg;
      const targets = model.rpnHead.imageTargets(
        out.clsScores.map((c) => [c.shape[1], c.shape[2]] as const),
        batch.gtBoxes,
        batch.metas,
        batch.gtBoxesIgnore,
        { assigner: t.rpn.assigner, sampler: t.rpn.sampler, allowedBorder: t.rpn.allowedBorder, posWeight: t.rpn.posWeight },
      );
      ours.rpnPosNeg = targets.map((x) => [x.numPos, x.numNeg]);
      const p = t.rpnProposal;
      ours.proposals = model.rpnHead.proposals(out, batch.metas, { nmsPre: p.nmsPre, maxPerImg: p.maxPerImg, nmsIouThr: p.nms.iouThreshold, minBboxSize: p.minBboxSize });
      const samples = model.roiHead.sample(ours.proposals.map((x) => x.boxes), { gtBoxes: batch.gtBoxes, gtLabels: batch.gtLabels, gtMasks: batch.gtMasks });
      ours.rcnnPosNeg = samples.map((s) => [s.posInds.length, s.negInds.length]);
    });
  });
  afterAll(() => model?.dispose());

  it('RPN positives and negatives per image are the official counts', () => {
    expect(ours.rpnPosNeg).toEqual(official.rpn_pos_neg);
  });

  it('the proposals are the official ones (same count, boxes and scores, in score order)', () => {
    official.proposals.forEach((rows, i) => {
      const got = ours.proposals[i]!;
      expect(got.scores.length).toBe(rows.length);
      // Two proposals whose scores differ by less than the float noise between the frameworks may come out in
      // either order, so each official row is matched to an unused one of ours with the same score (within the
      // tolerance) and the nearest box.
      const used = new Uint8Array(rows.length);
      let worstBox = 0;
      rows.forEach((r, k) => {
        let best = -1;
        let bestDist = Infinity;
        for (let j = 0; j < rows.length; j++) {
          if (used[j] || Math.abs(got.scores[j]! - r[4]!) >= SCORE_TOL) continue;
          let d = 0;
          for (let c = 0; c < 4; c++) d = Math.max(d, Math.abs(got.boxes[4 * j + c]! - r[c]!));
          if (d < bestDist) [best, bestDist] = [j, d];
        }
        expect(best, `image ${i}: official proposal ${k} (score ${r[4]}) has no counterpart`).toBeGreaterThanOrEqual(0);
        used[best] = 1;
        worstBox = Math.max(worstBox, bestDist);
      });
      expect(worstBox, `image ${i}: largest coordinate difference (px)`).toBeLessThan(BOX_TOL_PX);
    });
  });

  it('RoI sampler positives and negatives per image are the official counts', () => {
    expect(ours.rcnnPosNeg).toEqual(official.rcnn_pos_neg);
  });

  it('the five losses are the official ones; acc is the official accuracy', () => {
    for (const k of ['loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox', 'loss_mask'] as const) {
      expect(relErr(ours.terms[k]!, official[k]), `${k}: ours ${ours.terms[k]} official ${official[k]}`).toBeLessThan(LOSS_REL_TOL);
    }
    // the same RoIs are classified the same way: the float32 percentage is the same number
    expect(ours.terms.acc).toBe(official.acc);
  });
});
