import * as tf from '@tensorflow/tfjs-core';
import { BINARY_OPS, UNARY_OPS, type BinaryKernelName, type UnaryKernelName } from '../native-tensor-api.js';
import { broadcastPlan } from '../strided-plan.js';
import { isPlainDtype, nativeBackendKernel, newOutput, valuesOf, type Values } from './kernel-io.js';

const COMPARISONS = new Set<BinaryKernelName>(['Equal', 'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual']);
const LOGICAL = new Set<BinaryKernelName>(['LogicalAnd', 'LogicalOr']);

/** Binary kernels with broadcasting: float32 (and int32 but for RealDiv) in; comparisons and logical ops give bool. */
function binaryKernel(name: BinaryKernelName): tf.KernelFunc {
  const op = BINARY_OPS[name];
  return nativeBackendKernel(name, ({ inputs }, addon, backend) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== b.dtype) return undefined;
    const logical = LOGICAL.has(name);
    if (logical ? a.dtype !== 'bool' : a.dtype !== 'float32' && !(a.dtype === 'int32' && name !== 'RealDiv')) return undefined;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const plan = broadcastPlan(a.shape, b.shape, outShape);
    if (!plan) return undefined;
    const outDtype = COMPARISONS.has(name) || logical ? 'bool' : a.dtype;
    const out = newOutput(backend, outShape, outDtype);
    addon.binaryOp(op, valuesOf(backend, a), valuesOf(backend, b), out.values, plan.dims, plan.strides[0]!, plan.strides[1]!);
    return out.info;
  });
}

/** Unary float32 kernels; attrs: Step/LeakyRelu `alpha`, ClipByValue `clipValueMin`/`clipValueMax`. */
function unaryKernel(name: UnaryKernelName): tf.KernelFunc {
  const op = UNARY_OPS[name];
  return nativeBackendKernel(name, ({ inputs, attrs }, addon, backend) => {
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype !== 'float32') return undefined;
    const at = (attrs ?? {}) as Record<string, number>;
    const [p0, p1] = name === 'ClipByValue' ? [at.clipValueMin!, at.clipValueMax!] : [at.alpha ?? 0, 0];
    const out = newOutput(backend, [...x.shape], 'float32');
    addon.unaryOp(op, valuesOf(backend, x) as Float32Array, out.values as Float32Array, p0, p1);
    return out.info;
  });
}

/** Select (tf.where) when condition, t and e have one size; other cases go to the cpu kernel. */
const selectKernel = nativeBackendKernel('Select', ({ inputs }, addon, backend) => {
  const { condition, t, e } = inputs as Record<'condition' | 't' | 'e', tf.TensorInfo>;
  if (condition.dtype !== 'bool' || t.dtype !== e.dtype || !isPlainDtype(t.dtype)) return undefined;
  const size = tf.util.sizeFromShape(t.shape);
  if (tf.util.sizeFromShape(condition.shape) !== size || tf.util.sizeFromShape(e.shape) !== size) return undefined;
  const out = newOutput(backend, [...t.shape], t.dtype);
  addon.select(valuesOf(backend, condition) as Uint8Array, valuesOf(backend, t), valuesOf(backend, e), out.values);
  return out.info;
});

/** AddN of float32 tensors of one shape: a pass per input, accumulating in the output. */
const addNKernel = nativeBackendKernel('AddN', ({ inputs }, addon, backend) => {
  const xs = inputs as unknown as tf.TensorInfo[];
  if (xs.length < 2 || xs.some((x) => x.dtype !== 'float32' || !tf.util.arraysEqual(x.shape, xs[0]!.shape))) return undefined;
  const shape = [...xs[0]!.shape];
  const n = tf.util.sizeFromShape(shape);
  const out = newOutput(backend, shape, 'float32');
  const dims = Int32Array.of(n);
  const unit = Int32Array.of(1);
  addon.binaryOp(BINARY_OPS.Add, valuesOf(backend, xs[0]!), valuesOf(backend, xs[1]!), out.values, dims, unit, unit);
  for (const x of xs.slice(2)) addon.binaryOp(BINARY_OPS.Add, out.values, valuesOf(backend, x), out.values, dims, unit, unit);
  return out.info;
});

/**
 * Cast between float32, int32 and bool as tfjs-backend-cpu (int32: truncation of Int32Array.from; bool: x != 0),
 * always into a new array: the cpu kernel keeps a bool array under a float32 tensor, which native kernels
 * cannot read as floats.
 */
const castKernel = nativeBackendKernel('Cast', ({ inputs, attrs }, _addon, backend) => {
  const { x } = inputs as { x: tf.TensorInfo };
  const { dtype } = attrs as unknown as tf.CastAttrs;
  if (!isPlainDtype(x.dtype) || !isPlainDtype(dtype)) return undefined;
  const src = valuesOf(backend, x);
  const out = newOutput(backend, [...x.shape], dtype);
  if (dtype === 'bool') {
    const dst = out.values;
    for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  } else {
    (out.values as Values).set(src);
  }
  return out.info;
});

const BINARY_NAMES = Object.keys(BINARY_OPS) as BinaryKernelName[];
/** Elu is left to the cpu kernel: nothing here uses it. */
const UNARY_NAMES = (Object.keys(UNARY_OPS) as UnaryKernelName[]).filter((n) => n !== 'Elu');

export const ELEMENTWISE_KERNELS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  ...BINARY_NAMES.map((name) => ({ name, kernelFunc: binaryKernel(name) })),
  ...UNARY_NAMES.map((name) => ({ name, kernelFunc: unaryKernel(name) })),
  { name: 'Select', kernelFunc: selectKernel },
  { name: 'AddN', kernelFunc: addNKernel },
  { name: 'Cast', kernelFunc: castKernel },
];
