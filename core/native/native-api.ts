import { nativeAddon, type NativeAddon } from './addon.js';

/**
 * The matmul and convolution functions of the native addon (native/src/gemm.cc, conv.cc). Every
 * function reads and writes the typed arrays it is given (wasm heap views or the cpu backend's own
 * arrays) and returns nothing; bad sizes throw a one-line Error.
 *
 * Convolution geometry, an Int32Array of 15:
 *   [batch, inH, inW, inC, outH, outW, outC, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft]
 * (depthwise: outC = inC * channel multiplier; filter [kh, kw, inC, multiplier]).
 */
export interface NativeKernelFunctions {
  /** Instruction set the kernels were dispatched to: 'avx512f', 'avx2+fma' or 'generic'. */
  gemmIsa(): string;
  /**
   * c[i] = act(alpha * op(a[i]) op(b[i]) + bias) for i < batch, row-major, op(a) M x K, op(b) K x N;
   * a stride of 0 broadcasts one matrix over the batch.
   */
  gemm(
    a: Float32Array, b: Float32Array, c: Float32Array, bias: Float32Array | null,
    batch: number, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean,
    strideA: number, strideB: number, strideC: number, alpha: number, activation: number, activationAlpha: number,
  ): void;
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: Int32Array, activation: number, activationAlpha: number): void;
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array): void;
  depthwiseConv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, geometry: Int32Array, activation: number, activationAlpha: number): void;
  depthwiseConv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: Int32Array): void;
  depthwiseConv2dBackpropFilter(x: Float32Array, dy: Float32Array, dw: Float32Array, geometry: Int32Array): void;
  /** y[o, i] = scale * sum over r of x[o, r, i] (x viewed as [outer, reduce, inner]). */
  sumAxes(x: Float32Array, y: Float32Array, outer: number, reduce: number, inner: number, scale: number): void;
  /** y = (x - mean) * scale / sqrt(variance + eps) + offset over rows of C channels (offset/scale null: 0/1). */
  batchNormNhwc(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, y: Float32Array, eps: number): void;
}

export type NativeKernelAddon = NativeAddon & NativeKernelFunctions;

const FUNCTIONS: readonly (keyof NativeKernelFunctions)[] = [
  'gemmIsa', 'gemm', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter',
  'depthwiseConv2d', 'depthwiseConv2dBackpropInput', 'depthwiseConv2dBackpropFilter', 'sumAxes', 'batchNormNhwc',
];

/** The addon if it is loaded and has every function above (an older build lacks some), else undefined. */
export function nativeKernelAddon(): NativeKernelAddon | undefined {
  const addon = nativeAddon() as Partial<NativeKernelAddon> | undefined;
  if (!addon || FUNCTIONS.some((f) => typeof addon[f] !== 'function')) return undefined;
  return addon as NativeKernelAddon;
}

/** tfjs fused activations the native kernels apply themselves (prelu is left to the previous kernel). */
export const ACTIVATION_CODES: Readonly<Record<string, number>> = {
  linear: 0, relu: 1, relu6: 2, elu: 3, sigmoid: 4, leakyrelu: 5,
};

/** The code for a tfjs activation name, or undefined when the native kernels do not fuse it. */
export function activationCode(activation: string | undefined): number | undefined {
  return ACTIVATION_CODES[activation ?? 'linear'];
}
