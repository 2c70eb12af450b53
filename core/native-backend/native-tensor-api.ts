import { nativeAddon, type NativeAddon } from '../native/addon.js';

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * The general tensor functions of the native addon (native/src/tensor-{copy,math,reduce}.cc, resize.cc) that the native
 * backend's kernels run on its typed arrays. Every function writes into the arrays it is given and returns
 * nothing; sizes are checked and bad ones throw a one-line Error.
 */
export interface NativeTensorFunctions {
  /** dst[dstOffset + i·dstStrides] = src[srcOffset + i·srcStrides] over the box `dims` (strides in elements, may be negative). */
  copyStrided(src: Values, dst: Values, dims: Int32Array, srcStrides: Int32Array, dstStrides: Int32Array, srcOffset: number, dstOffset: number): void;
  /** y (contiguous over dims) = op(a, b) with a and b read at their strides (0 = broadcast). */
  binaryOp(op: number, a: Values, b: Values, y: Values, dims: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void;
  unaryOp(op: number, x: Float32Array, y: Float32Array, p0: number, p1: number): void;
  select(condition: Uint8Array, t: Values, f: Values, y: Values): void;
  /** Max/Min (float32 out) or ArgMax/ArgMin (int32 out) of x viewed as [outer, reduce, inner] over `reduce`. */
  reduceAxes(op: number, x: Float32Array, y: Float32Array | Int32Array, outer: number, reduce: number, inner: number): void;
  softmaxRows(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  /** NHWC bilinear resize with per-output-row and per-output-column taps (source indices lo/hi, weight of hi). */
  resizeBilinear(
    x: Float32Array, y: Float32Array, batch: number, inH: number, inW: number, outH: number, outW: number, channels: number,
    rowLo: Int32Array, rowHi: Int32Array, rowFrac: Float32Array, colLo: Int32Array, colHi: Int32Array, colFrac: Float32Array,
  ): void;
  /** The adjoint of resizeBilinear with the same taps: dx [batch, inH, inW, channels] from dy. */
  resizeBilinearGrad(
    dy: Float32Array, dx: Float32Array, batch: number, inH: number, inW: number, outH: number, outW: number, channels: number,
    rowLo: Int32Array, rowHi: Int32Array, rowFrac: Float32Array, colLo: Int32Array, colHi: Int32Array, colFrac: Float32Array,
  ): void;
}

export type NativeTensorAddon = NativeAddon & NativeTensorFunctions;

const FUNCTIONS: readonly (keyof NativeTensorFunctions)[] = ['copyStrided', 'binaryOp', 'unaryOp', 'select', 'reduceAxes', 'softmaxRows', 'resizeBilinear', 'resizeBilinearGrad'];

/** The addon if it is loaded and has the tensor functions (a build from before them lacks them), else undefined. */
export function nativeTensorAddon(): NativeTensorAddon | undefined {
  const addon = nativeAddon() as Partial<NativeTensorAddon> | undefined;
  if (!addon || FUNCTIONS.some((f) => typeof addon[f] !== 'function')) return undefined;
  return addon as NativeTensorAddon;
}

/** Binary op codes of native/src/tensor-math.cc; comparisons and logical ops write bool (Uint8Array). */
export const BINARY_OPS = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6,
  Equal: 10, NotEqual: 11, Less: 12, LessEqual: 13, Greater: 14, GreaterEqual: 15, LogicalAnd: 16, LogicalOr: 17,
} as const;
export type BinaryKernelName = keyof typeof BINARY_OPS;

/** Unary float32 op codes of native/src/tensor-math.cc. */
export const UNARY_OPS = {
  Neg: 0, Exp: 1, Log: 2, Sqrt: 3, Rsqrt: 4, Square: 5, Abs: 6, Relu: 7, Relu6: 8, Step: 9, Sigmoid: 10, Tanh: 11,
  Reciprocal: 12, Floor: 13, Ceil: 14, Sign: 15, Elu: 16, LeakyRelu: 17, Log1p: 18, ClipByValue: 19, Round: 20,
} as const;
export type UnaryKernelName = keyof typeof UNARY_OPS;

/** Reduce op codes of native/src/tensor-reduce.cc. */
export const REDUCE_OPS = { Max: 0, Min: 1, ArgMax: 2, ArgMin: 3 } as const;
