import * as tf from '@tensorflow/tfjs-core';
import type { NativeTensorAddon } from '../native-tensor-api.js';
import type { NativeBackend } from '../native-backend.js';
import { contiguousStrides, simplifyPlan } from '../strided-plan.js';
import { isPlainDtype, nativeBackendKernel, newOutput, valuesOf, type Values } from './kernel-io.js';

type TensorInfo = tf.TensorInfo;

/**
 * Copy the box `dims` from src (element strides `srcStrides`, first element `srcOffset`) into dst. False when the
 * box has too many dims for the native copy after merging (the caller falls back).
 */
function copyBox(
  addon: NativeTensorAddon, src: Values, dst: Values, dims: readonly number[],
  srcStrides: readonly number[], dstStrides: readonly number[], srcOffset: number, dstOffset: number,
): boolean {
  if (dims.some((d) => d === 0)) return true;
  const plan = simplifyPlan(dims, [srcStrides, dstStrides]);
  if (!plan) return false;
  addon.copyStrided(src, dst, plan.dims, plan.strides[0]!, plan.strides[1]!, srcOffset, dstOffset);
  return true;
}

/** A kernel that copies out of its one input `x`: `plan` gives the output shape and, per output dim, the source stride and offset. */
function copyOut(
  addon: NativeTensorAddon, backend: NativeBackend, x: TensorInfo, outShape: number[], srcStrides: number[], srcOffset: number,
): TensorInfo | undefined {
  if (!isPlainDtype(x.dtype)) return undefined;
  const out = newOutput(backend, outShape, x.dtype);
  if (!copyBox(addon, valuesOf(backend, x), out.values, outShape, srcStrides, contiguousStrides(outShape), srcOffset, 0)) {
    backend.disposeData(out.info.dataId);
    return undefined;
  }
  return out.info;
}

const transposeKernel = nativeBackendKernel('Transpose', ({ inputs, attrs }, addon, backend) => {
  const { x } = inputs as { x: TensorInfo };
  const { perm } = attrs as unknown as tf.TransposeAttrs;
  const inStrides = contiguousStrides(x.shape);
  return copyOut(addon, backend, x, perm.map((p) => x.shape[p]!), perm.map((p) => inStrides[p]!), 0);
});

/** Slice, always copied (the cpu kernel returns a view that would keep its whole input alive). */
const sliceKernel = nativeBackendKernel('Slice', ({ inputs, attrs }, addon, backend) => {
  const { x } = inputs as { x: TensorInfo };
  const { begin, size } = attrs as unknown as tf.SliceAttrs;
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
  tf.slice_util.assertParamsValid(x as tf.Tensor, b, s);
  const inStrides = contiguousStrides(x.shape);
  return copyOut(addon, backend, x, s, inStrides, b.reduce((acc, v, d) => acc + v * inStrides[d]!, 0));
});

const stridedSliceKernel = nativeBackendKernel('StridedSlice', ({ inputs, attrs }, addon, backend) => {
  const { x } = inputs as { x: TensorInfo };
  const a = attrs as unknown as tf.StridedSliceAttrs;
  const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
  const outShape = tf.slice_util.computeOutShape(info.begin, info.end, info.strides);
  if (outShape.length !== x.shape.length) return undefined;
  const inStrides = contiguousStrides(x.shape);
  const out = copyOut(addon, backend, x, outShape, inStrides.map((s, d) => s * info.strides[d]!), info.begin.reduce((acc, v, d) => acc + v * inStrides[d]!, 0));
  return out && { ...out, shape: info.finalShape };
});

const reverseKernel = nativeBackendKernel('Reverse', ({ inputs, attrs }, addon, backend) => {
  const { x } = inputs as { x: TensorInfo };
  const { dims } = attrs as unknown as tf.ReverseAttrs;
  const axes = new Set(tf.util.parseAxisParam(dims, x.shape));
  const inStrides = contiguousStrides(x.shape);
  const offset = x.shape.reduce((acc, n, d) => acc + (axes.has(d) ? (n - 1) * inStrides[d]! : 0), 0);
  return copyOut(addon, backend, x, [...x.shape], inStrides.map((s, d) => (axes.has(d) ? -s : s)), offset);
});

const tileKernel = nativeBackendKernel('Tile', ({ inputs, attrs }, addon, backend) => {
  const { x } = inputs as { x: TensorInfo };
  const { reps } = attrs as unknown as tf.TileAttrs;
  const outShape = x.shape.map((n, d) => n * reps[d]!);
  // The output as [reps0, n0, reps1, n1, ...]: the source repeats along each reps dim (stride 0).
  const inStrides = contiguousStrides(x.shape);
  const dims = x.shape.flatMap((n, d) => [reps[d]!, n]);
  const outStrides = contiguousStrides(outShape);
  const dstStrides = x.shape.flatMap((n, d) => [n * outStrides[d]!, outStrides[d]!]);
  const srcStrides = x.shape.flatMap((_, d) => [0, inStrides[d]!]);
  if (!isPlainDtype(x.dtype)) return undefined;
  const out = newOutput(backend, outShape, x.dtype);
  if (!copyBox(addon, valuesOf(backend, x), out.values, dims, srcStrides, dstStrides, 0, 0)) {
    backend.disposeData(out.info.dataId);
    return undefined;
  }
  return out.info;
});

/** PadV2 with a constant: fill, then copy the input into the interior. */
const padKernel = nativeBackendKernel('PadV2', ({ inputs, attrs }, addon, backend) => {
  const { x } = inputs as { x: TensorInfo };
  const { paddings, constantValue } = attrs as unknown as tf.PadV2Attrs;
  if (!isPlainDtype(x.dtype)) return undefined;
  const outShape = x.shape.map((n, d) => paddings[d]![0] + n + paddings[d]![1]);
  const out = newOutput(backend, outShape, x.dtype);
  out.values.fill(constantValue);
  const outStrides = contiguousStrides(outShape);
  const offset = paddings.reduce((acc, [before], d) => acc + before * outStrides[d]!, 0);
  if (!copyBox(addon, valuesOf(backend, x), out.values, x.shape, contiguousStrides(x.shape), outStrides, 0, offset)) {
    backend.disposeData(out.info.dataId);
    return undefined;
  }
  return out.info;
});

/** Inputs side by side along `axis` of the output. */
function concatInto(addon: NativeTensorAddon, backend: NativeBackend, xs: TensorInfo[], axis: number, outShape: number[]): TensorInfo | undefined {
  const dtype = xs[0]!.dtype;
  if (!isPlainDtype(dtype) || xs.some((x) => x.dtype !== dtype)) return undefined;
  const out = newOutput(backend, outShape, dtype);
  const outStrides = contiguousStrides(outShape);
  let at = 0;
  for (const x of xs) {
    if (!copyBox(addon, valuesOf(backend, x), out.values, x.shape, contiguousStrides(x.shape), outStrides, 0, at * outStrides[axis]!)) {
      backend.disposeData(out.info.dataId);
      return undefined;
    }
    at += x.shape[axis]!;
  }
  return out.info;
}

const concatKernel = nativeBackendKernel('Concat', ({ inputs, attrs }, addon, backend) => {
  const xs = (inputs as unknown as TensorInfo[]).filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  const all = inputs as unknown as TensorInfo[];
  const axis = tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, all[0]!.shape)[0]!;
  const outShape = tf.backend_util.computeOutShape(all.map((t) => t.shape), axis);
  if (xs.length === 0) return undefined;
  return concatInto(addon, backend, xs, axis, outShape);
});

const packKernel = nativeBackendKernel('Pack', ({ inputs, attrs }, addon, backend) => {
  const xs = inputs as unknown as TensorInfo[];
  const { axis } = attrs as unknown as tf.PackAttrs;
  const shape = xs[0]!.shape;
  const ax = axis < 0 ? axis + shape.length + 1 : axis;
  const expanded = xs.map((x) => ({ ...x, shape: [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)] }));
  return concatInto(addon, backend, expanded, ax, [...shape.slice(0, ax), xs.length, ...shape.slice(ax)]);
});

/** Pieces of x along `axis` at the given sizes (SplitV, Unpack). */
function splitOut(addon: NativeTensorAddon, backend: NativeBackend, x: TensorInfo, axis: number, sizes: number[], squeeze: boolean): TensorInfo[] | undefined {
  if (!isPlainDtype(x.dtype)) return undefined;
  const inStrides = contiguousStrides(x.shape);
  const outs: TensorInfo[] = [];
  let at = 0;
  for (const size of sizes) {
    const shape = x.shape.map((n, d) => (d === axis ? size : n));
    const out = copyOut(addon, backend, x, shape, inStrides, at * inStrides[axis]!);
    if (!out) {
      for (const o of outs) backend.disposeData(o.dataId);
      return undefined;
    }
    outs.push(squeeze ? { ...out, shape: shape.filter((_, d) => d !== axis) } : out);
    at += size;
  }
  return outs;
}

const splitVKernel = nativeBackendKernel('SplitV', ({ inputs, attrs }, addon, backend) => {
  const { x } = inputs as { x: TensorInfo };
  const { numOrSizeSplits, axis } = attrs as unknown as tf.SplitVAttrs;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  return splitOut(addon, backend, x, ax, sizes, false);
});

const unpackKernel = nativeBackendKernel('Unpack', ({ inputs, attrs }, addon, backend) => {
  const { value } = inputs as { value: TensorInfo };
  const ax = tf.util.parseAxisParam((attrs as unknown as tf.UnpackAttrs).axis, value.shape)[0]!;
  return splitOut(addon, backend, value, ax, new Array<number>(value.shape[ax]!).fill(1), true);
});

export const COPY_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: 'Transpose', kernelFunc: transposeKernel },
  { name: 'Slice', kernelFunc: sliceKernel },
  { name: 'StridedSlice', kernelFunc: stridedSliceKernel },
  { name: 'Reverse', kernelFunc: reverseKernel },
  { name: 'Tile', kernelFunc: tileKernel },
  { name: 'PadV2', kernelFunc: padKernel },
  { name: 'Concat', kernelFunc: concatKernel },
  { name: 'Pack', kernelFunc: packKernel },
  { name: 'SplitV', kernelFunc: splitVKernel },
  { name: 'Unpack', kernelFunc: unpackKernel },
];
