import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from './kernel-host.js';

/**
 * BatchMatMul and _FusedMatMul for wasm, routed to the one shape its matmul is fast at.
 *
 * They exist because tfjs-backend-wasm 4.22 is fast (XNNPACK, ~24 GFLOP/s here) only for a single
 * [M, K] x [K, N] product without transposes; with a batch > 1 or a transposed operand it falls back to
 * a naive loop at ~0.4 GFLOP/s — 50x slower. Linear attention's k^T v (transposeA, one matrix per head)
 * and every per-head product land there, and so does its fused matmul with a bias. Here transposed
 * operands are transposed once (a cheap copy), and a batch is split into its matrices, each multiplied
 * by the backend's own fast path; tiny products stay on the original kernel, whose per-call cost is lower.
 */
const ORIGINAL = new Map<string, tf.KernelFunc>();

/** Below this many multiply-adds per matrix the original kernel's lower overhead wins. */
const MIN_MACS_FOR_SPLIT = 65536;

/** Remember the backend's own kernels before ours replace them (call before registering). */
export function captureOriginalMatMulKernels(backendName: string): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const k = tf.getKernel(name, backendName);
    if (k && k.kernelFunc !== batchMatMulKernel && k.kernelFunc !== fusedMatMulKernel && !ORIGINAL.has(name)) ORIGINAL.set(name, k.kernelFunc);
  }
}

function original(name: string): tf.KernelFunc {
  const k = ORIGINAL.get(name);
  if (!k) throw new Error(`core/kernels/batch-matmul: the backend's own ${name} was not captured`);
  return k;
}

/** a·b with optional transposes, any batch (broadcast as tfjs does), through the fast single-matrix path. */
function matMul(host: KernelHost, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): tf.TensorInfo {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...outBatch, m, n];
  const batch = Math.max(batchA, batchB);
  const simple = batch === 1 && !transposeA && !transposeB;
  const tiny = m * k * n < MIN_MACS_FOR_SPLIT;
  const broadcastMismatch = batchA !== batchB && batchA !== 1 && batchB !== 1;
  if (simple || tiny || broadcastMismatch || !host.isWasm) {
    const out = original('BatchMatMul')({ inputs: { a, b }, backend: host.backend, attrs: { transposeA, transposeB } }) as tf.TensorInfo;
    return host.reshape(host.track(out), outShape);
  }
  let a3 = host.reshape(a, [batchA, transposeA ? k : m, transposeA ? m : k]);
  let b3 = host.reshape(b, [batchB, transposeB ? n : k, transposeB ? k : n]);
  if (transposeA) a3 = host.call('Transpose', { x: a3 }, { perm: [0, 2, 1] });
  if (transposeB) b3 = host.call('Transpose', { x: b3 }, { perm: [0, 2, 1] });
  if (batch === 1) {
    const out = original('BatchMatMul')({ inputs: { a: a3, b: b3 }, backend: host.backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    return host.reshape(host.track(out), outShape);
  }
  const out = host.track(host.allocFloat32([batch, m, n]));
  multiplyEachMatrix(host, a3, b3, out, batchA, batchB, m, k, n);
  return host.reshape(out, outShape);
}

type WasmBackendInternals = {
  wasm: { cwrap(name: string, ret: null, args: string[]): (...a: unknown[]) => void; tfjs: { disposeData(id: number): void } };
  dataIdMap: { get(id: unknown): { id: number; memoryOffset: number }; delete(id: unknown): void };
  makeOutput(shape: number[], dtype: string, memoryOffset?: number): tf.TensorInfo;
};

let wasmMatMul: ((...a: unknown[]) => void) | undefined;

/**
 * out[i] = a[i or 0] · b[i or 0] for each matrix of the batch, through the backend's single-matrix
 * path, reading and writing the batch's matrices in place: each is registered as a tensor that views
 * the parent's memory (no slicing or concatenation copies), and unregistered without freeing.
 */
function multiplyEachMatrix(host: KernelHost, a3: tf.TensorInfo, b3: tf.TensorInfo, out: tf.TensorInfo, batchA: number, batchB: number, m: number, k: number, n: number): void {
  const be = host.backend as unknown as WasmBackendInternals;
  wasmMatMul ??= be.wasm.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']);
  const base = (t: tf.TensorInfo) => be.dataIdMap.get(t.dataId).memoryOffset;
  const [aBase, bBase, oBase] = [base(a3), base(b3), base(out)];
  const shapeBytes = (s: number[]) => new Uint8Array(new Int32Array(s).buffer);
  const aShape = shapeBytes([1, m, k]);
  const bShape = shapeBytes([1, k, n]);
  const batch = Math.max(batchA, batchB);
  for (let i = 0; i < batch; i++) {
    const views = [
      be.makeOutput([1, m, k], 'float32', aBase + (batchA === 1 ? 0 : i * m * k * 4)),
      be.makeOutput([1, k, n], 'float32', bBase + (batchB === 1 ? 0 : i * k * n * 4)),
      be.makeOutput([1, m, n], 'float32', oBase + i * m * n * 4),
    ];
    const [av, bv, ov] = views.map((v) => be.dataIdMap.get(v.dataId).id);
    try {
      wasmMatMul(av, aShape, 3, bv, bShape, 3, false, false, ov);
    } finally {
      for (const v of views) {
        be.wasm.tfjs.disposeData(be.dataIdMap.get(v.dataId).id);
        be.dataIdMap.delete(v.dataId);
      }
    }
  }
}

export const batchMatMulKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const host = new KernelHost(backend);
  try {
    return host.keep(matMul(host, a, b, transposeA, transposeB));
  } finally {
    host.disposeTemps();
  }
};

const ACTIVATION_KERNELS: Record<string, string> = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid' };

export const fusedMatMulKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b, bias, preluActivationWeights } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as tf._FusedMatMulAttrs;
  const batch = Math.max(tf.util.sizeFromShape(a!.shape.slice(0, -2)), tf.util.sizeFromShape(b!.shape.slice(0, -2)));
  if (batch === 1 && !transposeA && !transposeB && (!bias || bias.shape.length === 1)) {
    // The one case the backend's fused kernel does well (bias and activation inside XNNPACK's GEMM).
    return original('_FusedMatMul')({ inputs, backend, attrs });
  }
  const host = new KernelHost(backend);
  try {
    let y = matMul(host, a!, b!, transposeA, transposeB);
    if (bias) y = host.call('Add', { a: y, b: bias });
    if (activation === 'prelu') y = host.call('Prelu', { x: y, alpha: preluActivationWeights! });
    else if (activation === 'leakyrelu') y = host.call('LeakyRelu', { x: y }, { alpha: leakyreluAlpha });
    else if (activation && activation !== 'linear') {
      const name = ACTIVATION_KERNELS[activation];
      if (!name) throw new Error(`core/kernels/batch-matmul: unsupported fused activation '${activation}'`);
      y = host.call(name, { x: y });
    }
    return host.keep(y);
  } finally {
    host.disposeTemps();
  }
};
