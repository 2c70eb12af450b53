/**
 * Index plans for the native element-wise and copy kernels: a box of dims with per-operand element strides,
 * with size-1 dims dropped and neighbouring dims merged wherever every operand walks them contiguously,
 * so that the native loops see few dims and long inner runs.
 */
export interface StridedPlan {
  dims: Int32Array;
  /** One stride array per operand, each of dims.length. */
  strides: Int32Array[];
}

/** The most dims a plan may have after merging (native/src/tensor-*.cc). */
export const MAX_PLAN_RANK = 8;

export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

/** Drop size-1 dims and merge dim d into d+1 where every operand has stride[d] == stride[d+1] * dims[d+1]. */
export function simplifyPlan(dims: readonly number[], strides: readonly (readonly number[])[]): StridedPlan | undefined {
  const keptDims: number[] = [];
  const kept: number[][] = strides.map(() => []);
  for (let d = 0; d < dims.length; d++) {
    if (dims[d] === 1) continue;
    const last = keptDims.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => kept[k]![last] === s[d]! * dims[d]!);
    if (mergeable) {
      keptDims[last] = keptDims[last]! * dims[d]!;
      strides.forEach((s, k) => (kept[k]![last] = s[d]!));
    } else {
      keptDims.push(dims[d]!);
      strides.forEach((s, k) => kept[k]!.push(s[d]!));
    }
  }
  if (keptDims.length > MAX_PLAN_RANK) return undefined;
  if (keptDims.some((d) => d > 0x7fffffff) || kept.some((s) => s.some((v) => Math.abs(v) > 0x7fffffff))) return undefined;
  return { dims: Int32Array.from(keptDims), strides: kept.map((s) => Int32Array.from(s)) };
}

/**
 * NumPy broadcasting of a and b to `outShape` (right-aligned): the output is contiguous; an operand's
 * stride is 0 along dims where it has size 1. Undefined when the plan has too many dims.
 */
export function broadcastPlan(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): StridedPlan | undefined {
  const r = outShape.length;
  const stridesFor = (shape: readonly number[]): number[] => {
    const padded = [...new Array<number>(r - shape.length).fill(1), ...shape];
    const own = contiguousStrides(padded);
    return padded.map((n, d) => (n === 1 && outShape[d] !== 1 ? 0 : own[d]!));
  };
  return simplifyPlan(outShape, [stridesFor(aShape), stridesFor(bShape)]);
}
