import * as tf from '@tensorflow/tfjs-core';
import { HOST_MEMORY_BACKENDS, KernelHost } from '../../../core/kernels/kernel-host.js';
import type { AxisWeights, RoiWeights } from './roi-align-weights.js';

/**
 * Multi-level RoIAlign as a JS kernel over the backend's own memory (cpu and wasm: heap views, no copies).
 *
 * Measured on this machine, tfjs' GatherV2 moves only a few million floats per second on cpu and wasm, so
 * the gather + matmul formulation (roi-align.ts, kept for the other backends) spends seconds gathering
 * feature windows. Here each RoI is computed in its separable form with sparse per-bin weights:
 * S[i, q, :] = sum_j Ax[q, j] F[y0 + i, x0 + j, :] for the window rows, then out[p, q, :] = sum_i Ay[p, i] S[i, q, :],
 * about C * (wh * ow * Kx + oh * ow * Ky) multiply-adds per RoI (K = 2-5 touched pixels per bin and axis),
 * written straight into the RoI's output row. The backward kernel is the exact transpose.
 */

/** One axis of one RoI as per-bin contiguous ranges of the window: bin p covers [lo[p], lo[p] + len[p]). */
interface SparseAxis {
  start: number;
  size: number;
  lo: Int32Array;
  len: Int32Array;
  /** weights of bin p at off[p] .. off[p] + len[p] */
  off: Int32Array;
  w: Float32Array;
}

/** One RoI of a level: the feature image it reads and the output row it fills. */
export interface HostRoi {
  outRow: number;
  batch: number;
  y: SparseAxis;
  x: SparseAxis;
}

/** Everything the kernels need, passed as one attribute. */
export interface HostRoiAlignJob {
  outH: number;
  outW: number;
  numRois: number;
  /** Per input level, its RoIs. */
  levels: HostRoi[][];
}

function sparseAxis(a: AxisWeights, out: number): SparseAxis {
  const lo = new Int32Array(out);
  const len = new Int32Array(out);
  const off = new Int32Array(out);
  const w: number[] = [];
  for (let p = 0; p < out; p++) {
    let first = -1;
    let last = -1;
    for (let i = 0; i < a.size; i++) {
      if (a.weights[p * a.size + i] !== 0) {
        if (first < 0) first = i;
        last = i;
      }
    }
    off[p] = w.length;
    if (first < 0) continue;
    lo[p] = first;
    len[p] = last - first + 1;
    for (let i = first; i <= last; i++) w.push(a.weights[p * a.size + i]!);
  }
  return { start: a.start, size: a.size, lo, len, off, w: Float32Array.from(w) };
}

export function hostRoi(rw: RoiWeights, outRow: number, outH: number, outW: number): HostRoi {
  return { outRow, batch: rw.batchIndex, y: sparseAxis(rw.y, outH), x: sparseAxis(rw.x, outW) };
}

/** y[yo .. yo + n) += a * x[xo .. xo + n), unrolled by 4 (about twice as fast as the plain loop in V8). */
function axpy(y: Float32Array, yo: number, x: Float32Array, xo: number, a: number, n: number): void {
  const n4 = n - (n % 4);
  let k = 0;
  for (; k < n4; k += 4) {
    y[yo + k]! += a * x[xo + k]!;
    y[yo + k + 1]! += a * x[xo + k + 1]!;
    y[yo + k + 2]! += a * x[xo + k + 2]!;
    y[yo + k + 3]! += a * x[xo + k + 3]!;
  }
  for (; k < n; k++) y[yo + k]! += a * x[xo + k]!;
}

const FORWARD = 'MilaRoiAlignHost';
const BACKWARD = 'MilaRoiAlignHostGrad';

function jobOf(attrs: unknown): HostRoiAlignJob {
  return (attrs as { job: HostRoiAlignJob }).job;
}

/**
 * The x contraction's taps for one RoI: (feature offset, scratch offset, weight) for every window row i,
 * output column q and touched pixel of q's bin. Forward reads the feature and adds to the scratch; the
 * backward pass walks the same taps the other way.
 */
function forEachXTap(r: HostRoi, h: number, w: number, c: number, ow: number, visit: (featureAt: number, scratchAt: number, weight: number) => void): void {
  const { y: ay, x: ax } = r;
  for (let i = 0; i < ay.size; i++) {
    const rowBase = ((r.batch * h + ay.start + i) * w + ax.start) * c;
    for (let q = 0; q < ow; q++) {
      const scratchAt = (i * ow + q) * c;
      const n = ax.len[q]!;
      for (let k = 0; k < n; k++) visit(rowBase + (ax.lo[q]! + k) * c, scratchAt, ax.w[ax.off[q]! + k]!);
    }
  }
}

/** The y contraction's taps for one RoI: (scratch offset, output offset, weight), as forEachXTap. */
function forEachYTap(r: HostRoi, oh: number, ow: number, c: number, visit: (scratchAt: number, outAt: number, weight: number) => void): void {
  const ay = r.y;
  const outBase = r.outRow * oh * ow * c;
  for (let p = 0; p < oh; p++) {
    const n = ay.len[p]!;
    for (let k = 0; k < n; k++) {
      const weight = ay.w[ay.off[p]! + k]!;
      const i = ay.lo[p]! + k;
      for (let q = 0; q < ow; q++) visit((i * ow + q) * c, outBase + (p * ow + q) * c, weight);
    }
  }
}

/** A zeroed scratch of at least `need` floats, reusing the previous one when it is large enough. */
function zeroedScratch(prev: Float32Array, need: number): Float32Array {
  const s = prev.length < need ? new Float32Array(need) : prev;
  s.fill(0, 0, need);
  return s;
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const job = jobOf(attrs);
  const levels = job.levels.map((_, l) => (inputs as Record<string, tf.TensorInfo>)[`x${l}`]!);
  const c = levels[0]!.shape[3]!;
  const { outH: oh, outW: ow } = job;
  const host = new KernelHost(backend);
  const out = host.allocFloat32([job.numRois, oh, ow, c]);
  // Views only after the last allocation (a wasm heap growth detaches earlier views).
  const ys = host.f32(out);
  ys.fill(0);
  let s: Float32Array = new Float32Array(0);
  job.levels.forEach((rois, l) => {
    const x = levels[l]!;
    const [, h, w] = x.shape as [number, number, number, number];
    const fs = host.f32(x);
    for (const r of rois) {
      s = zeroedScratch(s, r.y.size * ow * c);
      // S[i, q] = sum_j Ax[q, j] F[y0 + i, x0 + j], then out[p, q] = sum_i Ay[p, i] S[i, q].
      forEachXTap(r, h, w, c, ow, (featureAt, scratchAt, wt) => axpy(s, scratchAt, fs, featureAt, wt, c));
      forEachYTap(r, oh, ow, c, (scratchAt, outAt, wt) => axpy(ys, outAt, s, scratchAt, wt, c));
    }
  });
  return out;
};

const backwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const job = jobOf(attrs);
  const { dy } = inputs as { dy: tf.TensorInfo };
  const shapes = (attrs as unknown as { shapes: number[][] }).shapes;
  const c = dy.shape[3]!;
  const { outH: oh, outW: ow } = job;
  const host = new KernelHost(backend);
  const outs = shapes.map((sh) => host.allocFloat32(sh));
  const dys = host.f32(dy);
  let s: Float32Array = new Float32Array(0);
  job.levels.forEach((rois, l) => {
    const [, h, w] = shapes[l] as [number, number, number, number];
    const gs = host.f32(outs[l]!);
    gs.fill(0);
    for (const r of rois) {
      s = zeroedScratch(s, r.y.size * ow * c);
      // The transpose: dS[i, q] = sum_p Ay[p, i] dOut[p, q], then dF[y0 + i, x0 + j] += sum_q Ax[q, j] dS[i, q].
      forEachYTap(r, oh, ow, c, (scratchAt, outAt, wt) => axpy(s, scratchAt, dys, outAt, wt, c));
      forEachXTap(r, h, w, c, ow, (featureAt, scratchAt, wt) => axpy(gs, featureAt, s, scratchAt, wt, c));
    }
  });
  return outs;
};

let registered = false;

function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  for (const backendName of HOST_MEMORY_BACKENDS) {
    if (!tf.getKernel(FORWARD, backendName)) tf.registerKernel({ kernelName: FORWARD, backendName, kernelFunc: forwardKernel });
    if (!tf.getKernel(BACKWARD, backendName)) tf.registerKernel({ kernelName: BACKWARD, backendName, kernelFunc: backwardKernel });
  }
}

/** Whether the current backend runs the host kernels (else callers use the gather + matmul formulation). */
export function hostKernelAvailable(): boolean {
  return HOST_MEMORY_BACKENDS.includes(tf.getBackend());
}

/**
 * RoIAlign over several levels at once: `levels[l]` is [N, H_l, W_l, C], `job.levels[l]` its RoIs. Returns
 * [numRois, outH, outW, C] (rows in each RoI's `outRow`), differentiable w.r.t. every level.
 */
export function hostRoiAlign(levels: readonly tf.Tensor4D[], job: HostRoiAlignJob): tf.Tensor4D {
  ensureRegistered();
  const L = levels.length;
  if (job.levels.length !== L) throw new Error(`heads/det/roi/roi-align: ${job.levels.length} RoI lists for ${L} feature levels`);
  const shapes = levels.map((x) => [...x.shape]);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[L] as tf.GradSaveFunc)([]);
    const inputs: Record<string, tf.Tensor> = {};
    for (let l = 0; l < L; l++) inputs[`x${l}`] = args[l] as tf.Tensor;
    const value = tf.engine().runKernel(FORWARD, inputs, { job } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const gradFunc = (dy: tf.Tensor) => tf.engine().runKernel(BACKWARD, { dy }, { job, shapes } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { value, gradFunc };
  });
  return op(...levels) as tf.Tensor4D;
}
