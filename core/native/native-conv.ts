import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from '../kernels/kernel-host.js';
import { activationCode } from './native-api.js';
import { convGeometry, nativeConvSupported, shape4, type ConvAttrsBase } from './conv-geometry.js';
import { withFallback } from './kernel-fallback.js';

type TensorInfo = tf.TensorInfo;

interface ConvAttrs extends ConvAttrsBase {
  activation?: string;
  leakyreluAlpha?: number;
}

/** A bias of one value per output channel (shape [C] or [1, ..., C]). */
function isChannelBias(bias: TensorInfo | undefined, channels: number): boolean {
  if (!bias) return true;
  const s = bias.shape;
  return bias.dtype === 'float32' && s.length >= 1 && s.length <= 4 && s[s.length - 1] === channels && tf.util.sizeFromShape(s) === channels;
}

/** Conv2D / FusedConv2D (depthwise = false) and DepthwiseConv2dNative / FusedDepthwiseConv2D. */
function convForward(kernelName: string, depthwise: boolean): tf.KernelFunc {
  return withFallback(kernelName, ({ inputs, backend, attrs }, addon) => {
    const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
    const a = attrs as unknown as ConvAttrs;
    const code = activationCode(a.activation);
    if (code === undefined || x.shape.length !== 4 || filter.shape.length !== 4) return undefined;
    if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') return undefined;
    const info = tf.backend_util.computeConv2DInfo(
      shape4(x.shape), shape4(filter.shape), a.strides, a.dilations ?? 1, a.pad as never, a.dimRoundingMode, depthwise, 'channelsLast',
    );
    if (!nativeConvSupported(info, a.dataFormat, x, filter) || !isChannelBias(bias, info.outChannels)) return undefined;
    const host = new KernelHost(backend);
    const out = host.allocFloat32([...info.outShape]);
    try {
      const run = depthwise ? addon.depthwiseConv2d : addon.conv2d;
      run(host.f32(x), host.f32(filter), bias ? host.f32(bias) : null, host.f32(out), convGeometry(info), code, a.leakyreluAlpha ?? 0.2);
    } catch (e) {
      host.backend.disposeData(out.dataId);
      throw e;
    }
    return out;
  });
}

export const nativeConv2D = convForward('Conv2D', false);
export const nativeFusedConv2D = convForward('FusedConv2D', false);
export const nativeDepthwiseConv2D = convForward('DepthwiseConv2dNative', true);
export const nativeFusedDepthwiseConv2D = convForward('FusedDepthwiseConv2D', true);
