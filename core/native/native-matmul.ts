import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from '../kernels/kernel-host.js';
import { activationCode, type NativeKernelAddon } from './native-api.js';
import { withFallback } from './kernel-fallback.js';

type TensorInfo = tf.TensorInfo;

interface MatMulPlan {
  outShape: number[];
  batch: number;
  m: number;
  k: number;
  n: number;
  strideA: number;
  strideB: number;
}

/**
 * tfjs' BatchMatMul semantics: ranks >= 2, op(a) [..., M, K] x op(b) [..., K, N], batch dims broadcast,
 * flattened batches equal or one of them 1. Undefined for anything else (the previous kernel decides).
 */
function planMatMul(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulPlan | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return undefined;
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  let outBatch: number[];
  try {
    outBatch = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  } catch {
    return undefined;
  }
  const batch = Math.max(batchA, batchB);
  if (tf.util.sizeFromShape(outBatch) !== batch) return undefined;
  return { outShape: [...outBatch, m, n], batch, m, k, n, strideA: batchA === 1 ? 0 : m * k, strideB: batchB === 1 ? 0 : k * n };
}

function runGemm(
  addon: NativeKernelAddon, host: KernelHost, a: TensorInfo, b: TensorInfo, bias: TensorInfo | undefined,
  plan: MatMulPlan, transposeA: boolean, transposeB: boolean, activation: number, activationAlpha: number,
): TensorInfo {
  // Output first: on wasm an allocation can grow the heap and detach earlier views.
  const out = host.allocFloat32(plan.outShape);
  try {
    addon.gemm(
      host.f32(a), host.f32(b), host.f32(out), bias ? host.f32(bias) : null,
      plan.batch, plan.m, plan.n, plan.k, transposeA, transposeB,
      plan.strideA, plan.strideB, plan.m * plan.n, 1, activation, activationAlpha,
    );
  } catch (e) {
    host.backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

export const nativeBatchMatMul = withFallback('BatchMatMul', ({ inputs, backend, attrs }, addon) => {
  const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  const plan = planMatMul(a, b, transposeA, transposeB);
  if (!plan) return undefined;
  return runGemm(addon, new KernelHost(backend), a, b, undefined, plan, transposeA, transposeB, 0, 0);
});

/** A bias the GEMM can add per column: N values along the last axis, every other axis of size 1. */
export function isColumnBias(bias: TensorInfo | undefined, n: number): boolean {
  if (!bias) return true;
  if (bias.dtype !== 'float32') return false;
  const s = bias.shape;
  return s.length >= 1 && s[s.length - 1] === n && tf.util.sizeFromShape(s) === n;
}

export const nativeFusedMatMul = withFallback('_FusedMatMul', ({ inputs, backend, attrs }, addon) => {
  const { a, b, bias } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo };
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as tf._FusedMatMulAttrs;
  const code = activationCode(activation);
  const plan = planMatMul(a, b, transposeA, transposeB);
  if (!plan || code === undefined || !isColumnBias(bias, plan.n)) return undefined;
  // A bias of higher rank than the product broadcasts the output shape up: leave that to tfjs.
  if (bias && bias.shape.length > plan.outShape.length) return undefined;
  return runGemm(addon, new KernelHost(backend), a, b, bias, plan, transposeA, transposeB, code, leakyreluAlpha ?? 0.2);
});
