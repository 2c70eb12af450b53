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
const MIN_MACS_FOR_SPLIT = 8192;

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
  if (simple || tiny || broadcastMismatch) {
    const out = original('BatchMatMul')({ inputs: { a, b }, backend: host.backend, attrs: { transposeA, transposeB } }) as tf.TensorInfo;
    return host.reshape(host.track(out), outShape);
  }
  let a3 = host.reshape(a, [batchA, transposeA ? k : m, transposeA ? m : k]);
  let b3 = host.reshape(b, [batchB, transposeB ? n : k, transposeB ? k : n]);
  if (transposeA) a3 = host.call('Transpose', { x: a3 }, { perm: [0, 2, 1] });
  if (transposeB) b3 = host.call('Transpose', { x: b3 }, { perm: [0, 2, 1] });
  const mm = (x: tf.TensorInfo, y: tf.TensorInfo) => {
    const out = original('BatchMatMul')({ inputs: { a: x, b: y }, backend: host.backend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    host.track(out);
    return out;
  };
  if (batch === 1) return host.reshape(mm(a3, b3), outShape);
  const pick = (t: tf.TensorInfo, count: number, i: number, rows: number, cols: number) =>
    count === 1 ? t : host.call('Slice', { x: t }, { begin: [i, 0, 0], size: [1, rows, cols] });
  const parts: tf.TensorInfo[] = [];
  for (let i = 0; i < batch; i++) parts.push(mm(pick(a3, batchA, i, m, k), pick(b3, batchB, i, k, n)));
  return host.reshape(host.call('Concat', parts, { axis: 0 }), outShape);
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
