import * as tf from '@tensorflow/tfjs-core';
import { roiAlignWeights, type RoiAlignOptions, type RoiWeights } from './roi-align-weights.js';
import { hostKernelAvailable, hostRoi, hostRoiAlign } from './roi-align-host-kernel.js';

/**
 * mmcv's RoIAlign (avg pooling, `aligned=True`, adaptive sampling by default) on an NHWC feature map, with a
 * gradient w.r.t. the features (RoIs get none, as in mmcv).
 *
 * On cpu and wasm it runs as a JS kernel over sparse separable weights (roi-align-host-kernel.ts); on other
 * backends, the formulation below (see roi-align-weights.ts): per RoI, gather the feature window its samples touch, then
 * out = Ay * window * Ax^T as two batched matmuls. The backward pass is the transpose: two matmuls and a
 * scatter-add of the window gradients into the map. RoIs are sorted by window area and processed in chunks
 * padded to the chunk's largest window, which bounds both padding waste and peak memory. Only tfjs-core ops
 * are used, so the op runs (and differentiates) on every backend.
 */

/** Default upper bound on floats in one chunk's gathered windows (16 M floats = 64 MB). */
const CHUNK_FLOATS = 1 << 24;

export interface RoiAlignOpOptions extends RoiAlignOptions {
  /** Bound on one chunk's gathered floats (tests lower it to exercise several chunks). */
  chunkFloats?: number;
}

interface Chunk {
  /** Positions (in the sorted order) [begin, end). */
  begin: number;
  end: number;
  wh: number;
  ww: number;
  /** n * wh * ww flat pixel indices into the [N*H*W, C] view of the map. */
  index: Int32Array;
  /** n * oh * wh */
  ay: Float32Array;
  /** n * oh * ow * ww: Ax repeated for each output row (see forwardChunk). */
  ax: Float32Array;
}

interface Plan {
  chunks: Chunk[];
  /** sorted position -> original RoI index. */
  order: Int32Array;
  /** original RoI index -> sorted position. */
  inverse: Int32Array;
}

function makePlan(weights: RoiWeights[], n: number, h: number, w: number, c: number, outSize: [number, number], chunkFloats: number): Plan {
  const [oh, ow] = outSize;
  const r = weights.length;
  checkBatchIndices(weights, n);
  const order = Int32Array.from({ length: r }, (_, i) => i);
  const area = (i: number) => weights[i]!.y.size * weights[i]!.x.size;
  order.sort((a, b) => area(b) - area(a));
  const inverse = new Int32Array(r);
  for (let k = 0; k < r; k++) inverse[order[k]!] = k;

  const chunks: Chunk[] = [];
  let begin = 0;
  while (begin < r) {
    // Sorted by area, so the first RoI of a chunk has the largest window area; widen per axis as we go.
    let wh = 0;
    let ww = 0;
    let end = begin;
    while (end < r) {
      const rw = weights[order[end]!]!;
      const nh = Math.max(wh, rw.y.size);
      const nw = Math.max(ww, rw.x.size);
      if (end > begin && (end - begin + 1) * nh * nw * c > chunkFloats) break;
      wh = nh;
      ww = nw;
      end++;
    }
    const m = end - begin;
    const index = new Int32Array(m * wh * ww);
    const ay = new Float32Array(m * oh * wh);
    const ax = new Float32Array(m * oh * ow * ww);
    for (let k = 0; k < m; k++) {
      const rw = weights[order[begin + k]!]!;
      for (let i = 0; i < wh; i++) {
        // Padding rows/columns point at a valid pixel and carry zero weight.
        const yy = Math.min(rw.y.start + i, h - 1);
        const rowBase = (rw.batchIndex * h + yy) * w;
        for (let j = 0; j < ww; j++) index[(k * wh + i) * ww + j] = rowBase + Math.min(rw.x.start + j, w - 1);
      }
      for (let p = 0; p < oh; p++) for (let i = 0; i < rw.y.size; i++) ay[(k * oh + p) * wh + i] = rw.y.weights[p * rw.y.size + i]!;
      for (let p = 0; p < oh; p++)
        for (let q = 0; q < ow; q++)
          for (let j = 0; j < rw.x.size; j++) ax[((k * oh + p) * ow + q) * ww + j] = rw.x.weights[q * rw.x.size + j]!;
    }
    chunks.push({ begin, end, wh, ww, index, ay, ax });
    begin = end;
  }
  return { chunks, order, inverse };
}

export function checkBatchIndices(weights: readonly RoiWeights[], n: number): void {
  weights.forEach((w, i) => {
    const b = w.batchIndex;
    if (!(Number.isInteger(b) && b >= 0 && b < n)) throw new Error(`heads/det/roi/roi-align: RoI ${i} has batch index ${b}, outside 0..${n - 1}`);
  });
}

function forwardChunk(flat: tf.Tensor2D, ch: Chunk, oh: number, ow: number, c: number): tf.Tensor {
  return tf.tidy(() => {
    const m = ch.end - ch.begin;
    const win = tf.reshape(tf.gather(flat, tf.tensor1d(ch.index, 'int32')), [m, ch.wh, ch.ww * c]);
    // Contract y: [m, oh, wh] x [m, wh, ww*c] -> [m, oh, ww*c].
    const rows = tf.matMul(tf.tensor3d(ch.ay, [m, oh, ch.wh]), win);
    // Contract x per output row: [m*oh, ow, ww] x [m*oh, ww, c]. tfjs' batched matmul does not broadcast a
    // middle batch axis correctly, so Ax comes pre-tiled over the oh rows.
    const out = tf.matMul(tf.tensor3d(ch.ax, [m * oh, ow, ch.ww]), tf.reshape(rows, [m * oh, ch.ww, c]));
    return tf.reshape(out, [m, oh, ow, c]);
  });
}

/** Window gradients of one chunk: dWindow = Ay^T dOut Ax, shaped [m * wh * ww, c]. */
function backwardChunk(dySorted: tf.Tensor4D, ch: Chunk, oh: number, ow: number, c: number): tf.Tensor2D {
  return tf.tidy(() => {
    const m = ch.end - ch.begin;
    const dy = tf.reshape(tf.slice(dySorted, [ch.begin, 0, 0, 0], [m, oh, ow, c]), [m * oh, ow, c]);
    const dRows = tf.matMul(tf.tensor3d(ch.ax, [m * oh, ow, ch.ww]), dy, true, false); // [m*oh, ww, c]
    const dWin = tf.matMul(tf.tensor3d(ch.ay, [m, oh, ch.wh]), tf.reshape(dRows, [m, oh, ch.ww * c]), true, false);
    return tf.reshape(dWin, [m * ch.wh * ch.ww, c]) as tf.Tensor2D;
  });
}

/**
 * The host plan of one RoIAlign call (one feature map, a fixed list of RoIs): its forward and backward as
 * plain (non-recorded) tensor computations, so that callers can wrap one or several plans in a single
 * custom-gradient op (the multi-level extractor does).
 */
export class RoiAlignPlan {
  readonly numRois: number;
  private readonly plan: Plan;

  constructor(readonly featureShape: [number, number, number, number], rois: ArrayLike<number>, readonly opts: RoiAlignOpOptions) {
    const [n, h, w, c] = featureShape;
    const weights = roiAlignWeights(rois, h, w, opts);
    this.numRois = weights.length;
    this.plan = makePlan(weights, n, h, w, c, opts.outSize, opts.chunkFloats ?? CHUNK_FLOATS);
  }

  /** [R, outH, outW, C] in RoI order. */
  forward(feature: tf.Tensor): tf.Tensor4D {
    const [n, h, w, c] = this.featureShape;
    const [oh, ow] = this.opts.outSize;
    const { plan, numRois: r } = this;
    if (r === 0) return tf.zeros([0, oh, ow, c]);
    return tf.tidy(() => {
      const flat = tf.reshape(feature, [n * h * w, c]) as tf.Tensor2D;
      const parts = plan.chunks.map((ch) => forwardChunk(flat, ch, oh, ow, c));
      const sorted = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
      return (r === 1 ? sorted : tf.gather(sorted, tf.tensor1d(plan.inverse, 'int32'))) as tf.Tensor4D;
    });
  }

  /** Gradient w.r.t. the feature map, [N, H, W, C], from dy [R, outH, outW, C]. */
  backward(dy: tf.Tensor): tf.Tensor4D {
    const [n, h, w, c] = this.featureShape;
    const [oh, ow] = this.opts.outSize;
    const { plan, numRois: r } = this;
    if (r === 0) return tf.zeros(this.featureShape);
    return tf.tidy(() => {
      const dySorted = (r === 1 ? dy : tf.gather(dy, tf.tensor1d(plan.order, 'int32'))) as tf.Tensor4D;
      const dWins = plan.chunks.map((ch) => backwardChunk(dySorted, ch, oh, ow, c));
      const dWin = dWins.length === 1 ? dWins[0]! : tf.concat(dWins, 0);
      const total = plan.chunks.reduce((s, ch) => s + ch.index.length, 0);
      const index = new Int32Array(total);
      let off = 0;
      for (const ch of plan.chunks) {
        index.set(ch.index, off);
        off += ch.index.length;
      }
      // scatterND sums duplicate indices (overlapping windows) on every backend.
      const dFlat = tf.scatterND(tf.tensor2d(index, [total, 1], 'int32'), dWin, [n * h * w, c]);
      return tf.reshape(dFlat, [n, h, w, c]) as tf.Tensor4D;
    });
  }
}

/**
 * RoIAlign of `rois` (host rows [batch_idx, x1, y1, x2, y2] in image coordinates) on `feature` [N, H, W, C].
 * Returns [R, outH, outW, C]; differentiable w.r.t. `feature`.
 */
export function roiAlign(feature: tf.Tensor4D, rois: ArrayLike<number>, opts: RoiAlignOpOptions & { forceComposed?: boolean }): tf.Tensor4D {
  if (hostKernelAvailable() && !opts.forceComposed) {
    const [n, h, w, c] = feature.shape;
    const [oh, ow] = opts.outSize;
    const weights = roiAlignWeights(rois, h, w, opts);
    if (weights.length === 0) return tf.zeros([0, oh, ow, c]);
    checkBatchIndices(weights, n);
    return hostRoiAlign([feature], { outH: oh, outW: ow, numRois: weights.length, levels: [weights.map((rw, i) => hostRoi(rw, i, oh, ow))] });
  }
  const plan = new RoiAlignPlan(feature.shape, rois, opts);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([]);
    return { value: plan.forward(args[0] as tf.Tensor), gradFunc: (dy: tf.Tensor) => plan.backward(dy) };
  });
  return op(feature) as tf.Tensor4D;
}
