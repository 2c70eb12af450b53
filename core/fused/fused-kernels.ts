/**
 * The fused kernels as tfjs kernel functions for the wasm and cpu backends: outputs are allocated first, then
 * every tensor is read and written in place through KernelHost views (wasm heap or the cpu backend's arrays)
 * by the active FusedCompute (native or JS).
 */
import * as tf from '@tensorflow/tfjs-core';
import { KernelHost } from '../kernels/kernel-host.js';
import { fusedCompute } from './fused-compute.js';
import { FUSED, type HeadsAttrs, type LayerNormAttrs, type SoftmaxCrossEntropyAttrs } from './kernel-names.js';

type Inputs = Record<string, tf.TensorInfo>;

function unary(run: (x: Float32Array, y: Float32Array) => void): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x } = inputs as Inputs;
    const host = new KernelHost(backend);
    const y = host.allocFloat32([...x!.shape]);
    run(host.f32(x!), host.f32(y));
    return y;
  };
}

/** dx from (saved, dy): the saved tensor is the forward's input or output, as the op needs. */
function unaryGrad(saved: string, run: (s: Float32Array, dy: Float32Array, dx: Float32Array) => void): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const ins = inputs as Inputs;
    const host = new KernelHost(backend);
    const dx = host.allocFloat32([...ins[saved]!.shape]);
    run(host.f32(ins[saved]!), host.f32(ins.dy!), host.f32(dx));
    return dx;
  };
}

function shapeOfAttention(q: tf.TensorInfo, heads: number): { batch: number; tokens: number; channels: number; heads: number } {
  if (q.shape.length !== 4) throw new Error(`core/fused: attention maps must be [b, h, w, c], got [${q.shape.join(', ')}]`);
  const [batch, h, w, channels] = q.shape as [number, number, number, number];
  if (channels % heads !== 0) throw new Error(`core/fused: ${channels} channels do not split into ${heads} heads`);
  return { batch, tokens: h * w, channels, heads };
}

const layerNorm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, weight, bias } = inputs as Inputs;
  const { eps } = attrs as unknown as LayerNormAttrs;
  const host = new KernelHost(backend);
  const y = host.allocFloat32([...x!.shape]);
  fusedCompute().layerNormForward(host.f32(x!), host.f32(weight!), host.f32(bias!), host.f32(y), eps);
  return y;
};

const layerNormGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, weight, dy } = inputs as Inputs;
  const { eps } = attrs as unknown as LayerNormAttrs;
  const host = new KernelHost(backend);
  const dx = host.allocFloat32([...x!.shape]);
  const dw = host.allocFloat32([...weight!.shape]);
  const db = host.allocFloat32([...weight!.shape]);
  fusedCompute().layerNormBackward(host.f32(x!), host.f32(weight!), host.f32(dy!), host.f32(dx), host.f32(dw), host.f32(db), eps);
  return [dx, dw, db];
};

/** x: [b, h, w, 2c] (q then k, before elu + 1) -> q, k: [b, h, w, c]; qRope, kRope: [b * heads, h * w, c / heads]; kMean: [b, c]. */
const eluRope: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, cos, sin } = inputs as Inputs;
  const { heads } = attrs as unknown as HeadsAttrs;
  const [b, h, w, c2] = x!.shape as [number, number, number, number];
  const s = shapeOfAttention({ ...x!, shape: [b, h, w, c2 / 2] }, heads);
  const host = new KernelHost(backend);
  const half = [b, h, w, s.channels];
  const headMajor = [b * heads, s.tokens, s.channels / heads];
  const outs = [
    host.allocFloat32(half), host.allocFloat32(half), host.allocFloat32(headMajor), host.allocFloat32(headMajor),
    host.allocFloat32([b, s.channels]),
  ];
  const [q, k, qr, kr, km] = outs.map((t) => host.f32(t)) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  fusedCompute().eluRopeForward(host.f32(x!), host.f32(cos!), host.f32(sin!), q, k, qr, kr, km, s.batch, s.tokens, s.channels, heads);
  return outs;
};

const eluRopeGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { q, k, dq, dk, dqRope, dkRope, dkMean, cos, sin } = inputs as Inputs;
  const { heads } = attrs as unknown as HeadsAttrs;
  const s = shapeOfAttention(q!, heads);
  const host = new KernelHost(backend);
  const [b, h, w] = q!.shape as [number, number, number];
  const dx = host.allocFloat32([b, h, w, 2 * s.channels]);
  const f = (t: tf.TensorInfo) => host.f32(t);
  fusedCompute().eluRopeBackward(f(q!), f(k!), f(dq!), f(dk!), f(dqRope!), f(dkRope!), f(dkMean!), f(cos!), f(sin!), f(dx), s.batch, s.tokens, s.channels, heads);
  return dx;
};

/** o: [b * heads, n, d], q, lepe and gate (if any): [b, h, w, c], kMean: [b, c] -> [b, h, w, c]. */
const attnOutput: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { o, q, kMean, lepe, gate } = inputs as Inputs;
  const { heads } = attrs as unknown as HeadsAttrs;
  const s = shapeOfAttention(q!, heads);
  const host = new KernelHost(backend);
  const y = host.allocFloat32([...q!.shape]);
  const f = (t: tf.TensorInfo) => host.f32(t);
  fusedCompute().attnOutputForward(f(o!), f(q!), f(kMean!), f(lepe!), gate ? f(gate) : null, f(y), s.batch, s.tokens, s.channels, heads);
  return y;
};

/** -> [dO, dQ, dKMean], and with a gate also [dLepe, dGate]. */
const attnOutputGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { o, q, kMean, lepe, gate, dy } = inputs as Inputs;
  const { heads } = attrs as unknown as HeadsAttrs;
  const s = shapeOfAttention(q!, heads);
  const host = new KernelHost(backend);
  const outs = [host.allocFloat32([...o!.shape]), host.allocFloat32([...q!.shape]), host.allocFloat32([...kMean!.shape])];
  if (gate) outs.push(host.allocFloat32([...q!.shape]), host.allocFloat32([...q!.shape]));
  const f = (t: tf.TensorInfo) => host.f32(t);
  const [dO, dQ, dM, dL, dG] = outs.map(f);
  fusedCompute().attnOutputBackward(
    f(o!), f(q!), f(kMean!), gate ? f(lepe!) : null, gate ? f(gate) : null, f(dy!),
    dO!, dQ!, dM!, dL ?? null, dG ?? null, s.batch, s.tokens, s.channels, heads,
  );
  return outs;
};

/** logits [rows, classes] float32, labels [rows] int32 -> nll [rows]. */
const softmaxCrossEntropy: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { logits, labels } = inputs as Inputs;
  const { ignoreIndex } = attrs as unknown as SoftmaxCrossEntropyAttrs;
  const [rows, classes] = softmaxCrossEntropyShape(logits!, labels!);
  const host = new KernelHost(backend);
  const nll = host.allocFloat32([rows], true);
  fusedCompute().softmaxCrossEntropyForward(host.f32(logits!), host.values(labels!) as Int32Array, host.f32(nll), classes, ignoreIndex);
  return nll;
};

const softmaxCrossEntropyGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { logits, labels, dy } = inputs as Inputs;
  const { ignoreIndex } = attrs as unknown as SoftmaxCrossEntropyAttrs;
  const [, classes] = softmaxCrossEntropyShape(logits!, labels!);
  const host = new KernelHost(backend);
  const dx = host.allocFloat32([...logits!.shape], true);
  const f = (t: tf.TensorInfo) => host.f32(t);
  fusedCompute().softmaxCrossEntropyBackward(f(logits!), host.values(labels!) as Int32Array, f(dy!), f(dx), classes, ignoreIndex);
  return dx;
};

function softmaxCrossEntropyShape(logits: tf.TensorInfo, labels: tf.TensorInfo): [number, number] {
  const [rows, classes] = logits.shape as [number, number];
  if (logits.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== rows || labels.dtype !== 'int32') {
    throw new Error(`core/fused: softmax cross-entropy needs logits [rows, classes] and int32 labels [rows], got [${logits.shape.join(', ')}] and ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  return [rows, classes];
}

export const FUSED_KERNELS: readonly { name: string; kernelFunc: tf.KernelFunc }[] = [
  { name: FUSED.gelu, kernelFunc: unary((x, y) => fusedCompute().geluForward(x, y)) },
  { name: FUSED.geluGrad, kernelFunc: unaryGrad('x', (x, dy, dx) => fusedCompute().geluBackward(x, dy, dx)) },
  { name: FUSED.silu, kernelFunc: unary((x, y) => fusedCompute().siluForward(x, y)) },
  { name: FUSED.siluGrad, kernelFunc: unaryGrad('x', (x, dy, dx) => fusedCompute().siluBackward(x, dy, dx)) },
  { name: FUSED.eluPlusOne, kernelFunc: unary((x, y) => fusedCompute().eluPlusOneForward(x, y)) },
  { name: FUSED.eluPlusOneGrad, kernelFunc: unaryGrad('y', (y, dy, dx) => fusedCompute().eluPlusOneBackward(y, dy, dx)) },
  { name: FUSED.layerNorm, kernelFunc: layerNorm },
  { name: FUSED.layerNormGrad, kernelFunc: layerNormGrad },
  { name: FUSED.eluRope, kernelFunc: eluRope },
  { name: FUSED.eluRopeGrad, kernelFunc: eluRopeGrad },
  { name: FUSED.attnOutput, kernelFunc: attnOutput },
  { name: FUSED.attnOutputGrad, kernelFunc: attnOutputGrad },
  { name: FUSED.gatedAttnOutput, kernelFunc: attnOutput },
  { name: FUSED.gatedAttnOutputGrad, kernelFunc: attnOutputGrad },
  { name: FUSED.softmaxCrossEntropy, kernelFunc: softmaxCrossEntropy },
  { name: FUSED.softmaxCrossEntropyGrad, kernelFunc: softmaxCrossEntropyGrad },
];
