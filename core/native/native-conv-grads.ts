import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from '../kernels/kernel-host.js';
import type { NativeKernelAddon } from './native-api.js';
import { convGeometry, nativeConvSupported, shape4, type ConvAttrsBase } from './conv-geometry.js';
import { withFallback } from './kernel-fallback.js';

type TensorInfo = tf.TensorInfo;

interface GradAttrs extends ConvAttrsBase {
  inputShape?: number[];
  filterShape?: number[];
}

type Run = (addon: NativeKernelAddon) => (p: Float32Array, q: Float32Array, out: Float32Array, geometry: Int32Array) => void;

/**
 * A gradient kernel: `first` and `second` name its two inputs, the output has the shape of the input
 * (inputShape) or of the filter (filterShape).
 */
function convGradient(kernelName: string, depthwise: boolean, first: string, second: string, outputIs: 'input' | 'filter', run: Run): tf.KernelFunc {
  return withFallback(kernelName, ({ inputs, backend, attrs }, addon) => {
    const p = (inputs as Record<string, TensorInfo>)[first]!;
    const q = (inputs as Record<string, TensorInfo>)[second]!;
    const a = attrs as unknown as GradAttrs;
    const dy = first === 'dy' ? p : q;
    const xShape = outputIs === 'input' ? a.inputShape : p.shape;
    const filterShape = outputIs === 'filter' ? a.filterShape : q.shape;
    if (!xShape || !filterShape || xShape.length !== 4 || filterShape.length !== 4 || dy.shape.length !== 4) return undefined;
    if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') return undefined;
    const info = tf.backend_util.computeConv2DInfo(
      shape4(xShape), shape4(filterShape), a.strides, a.dilations ?? 1, a.pad as never, a.dimRoundingMode, depthwise, 'channelsLast',
    );
    if (!nativeConvSupported(info, a.dataFormat, p, q)) return undefined;
    if (!tf.util.arraysEqual(dy.shape, info.outShape)) return undefined;
    const host = new KernelHost(backend);
    const out = host.allocFloat32(outputIs === 'input' ? [...xShape] : [...filterShape]);
    try {
      run(addon)(host.f32(p), host.f32(q), host.f32(out), convGeometry(info));
    } catch (e) {
      host.backend.disposeData(out.dataId);
      throw e;
    }
    return out;
  });
}

export const nativeConv2DBackpropInput = convGradient('Conv2DBackpropInput', false, 'dy', 'filter', 'input', (m) => m.conv2dBackpropInput);
export const nativeConv2DBackpropFilter = convGradient('Conv2DBackpropFilter', false, 'x', 'dy', 'filter', (m) => m.conv2dBackpropFilter);
export const nativeDepthwiseBackpropInput = convGradient(
  'DepthwiseConv2dNativeBackpropInput', true, 'dy', 'filter', 'input', (m) => m.depthwiseConv2dBackpropInput,
);
export const nativeDepthwiseBackpropFilter = convGradient(
  'DepthwiseConv2dNativeBackpropFilter', true, 'x', 'dy', 'filter', (m) => m.depthwiseConv2dBackpropFilter,
);
