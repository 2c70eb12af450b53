import * as tf from '@tensorflow/tfjs-core';

type KernelRecord = { name: string; inputShapes: number[][]; outputShapes: number[][] };

const size = (s: number[] | undefined) => (s ?? []).reduce((a, b) => a * b, 1);

/**
 * FLOPs of one kernel call (2 per multiply-add), for the kernels whose count follows from shapes alone:
 * convolutions and matmuls, forward and backward. Element-wise kernels are not counted, so GFLOP/s
 * figures are lower bounds dominated by the arithmetic that matters.
 */
export function kernelFlops(k: KernelRecord): number {
  const [a, b] = k.inputShapes;
  const out = k.outputShapes[0];
  switch (k.name) {
    case 'Conv2D':
    case 'FusedConv2D': // filter [kh, kw, cin, cout]
      return 2 * size(out) * b![0]! * b![1]! * b![2]!;
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D':
      return 2 * size(out) * b![0]! * b![1]!;
    case 'Conv2DBackpropInput': // inputs dy, filter
      return 2 * size(a) * b![0]! * b![1]! * b![2]!;
    case 'Conv2DBackpropFilter': // inputs x, dy; out = filter
      return 2 * size(b) * out![0]! * out![1]! * out![2]!;
    case 'DepthwiseConv2dNativeBackpropInput':
      return 2 * size(a) * b![0]! * b![1]!;
    case 'DepthwiseConv2dNativeBackpropFilter':
      return 2 * size(b) * out![0]! * out![1]!;
    case 'BatchMatMul':
    case '_FusedMatMul': {
      // a is [..., M, K] or [..., K, M]; out is [..., M, N]: K = |a's last two dims| / M.
      const m = out![out!.length - 2]!;
      const k2 = a![a!.length - 1]! * a![a!.length - 2]!;
      return 2 * size(out) * (k2 / m);
    }
    default:
      return 0;
  }
}

export interface KernelProfile {
  flops: number;
  /** Per kernel name: calls, total ms, FLOPs. */
  byKernel: Map<string, { calls: number; ms: number; flops: number }>;
}

/** Run `f` once under tf.profile: FLOPs and time per kernel (each kernel timed alone, so a slower run). */
export async function profileRun(f: () => void): Promise<KernelProfile> {
  const info = await tf.profile(() => {
    f();
  });
  const byKernel = new Map<string, { calls: number; ms: number; flops: number }>();
  let flops = 0;
  for (const k of info.kernels as unknown as (KernelRecord & { kernelTimeMs: number | { error: string } })[]) {
    // Ops built with customGrad (fused matMul...) show up as a '<op>__op' record wrapping their kernels.
    if (k.name.endsWith('__op')) continue;
    const fl = kernelFlops(k);
    flops += fl;
    const e = byKernel.get(k.name) ?? { calls: 0, ms: 0, flops: 0 };
    e.calls += 1;
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    e.flops += fl;
    byKernel.set(k.name, e);
  }
  return { flops, byKernel };
}
