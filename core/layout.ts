import type { HostTensor } from './host-tensor.js';
import { numel, shapeToString, toFloat32 } from './host-tensor.js';

/**
 * How a parameter's PyTorch layout maps to the layout tfjs computes with. Conversion happens once,
 * at import and export, never per forward pass.
 *  - `linear`:    torch [out, in]            <-> tfjs [in, out]
 *  - `conv`:      torch [out, in, kh, kw]    <-> tfjs [kh, kw, in, out]
 *  - `depthwise`: torch [C*m, 1, kh, kw]     <-> tfjs [kh, kw, C, m]
 *  - `convT`:     torch [in, out, kh, kw]    <-> tfjs [kh, kw, out, in]
 *  - `same`:      no change
 */
export type ParamLayout = 'linear' | 'conv' | 'depthwise' | 'convT' | 'same';

function permute(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = new Array<number>(rank);
  let s = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i]!;
  }
  const out = new Float32Array(data.length);
  const idx = new Array<number>(rank).fill(0);
  const permStrides = perm.map((p) => inStrides[p]!);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d]! * permStrides[d]!;
    out[o] = data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** The tfjs-layout shape that a tensor of `torchShape` becomes. */
export function torchToTfShape(layout: ParamLayout, torchShape: readonly number[]): number[] {
  const [a, b, c, d] = torchShape as number[];
  switch (layout) {
    case 'linear':
      return torchShape.length === 2 ? [b!, a!] : [...torchShape];
    case 'conv':
      return [c!, d!, b!, a!];
    case 'depthwise':
      return [c!, d!, a!, 1];
    case 'convT':
      return [c!, d!, b!, a!];
    case 'same':
      return [...torchShape];
  }
}

/** Convert a PyTorch-layout tensor to tfjs layout; `tfShape` is the parameter's shape, used for depthwise channel multipliers. */
export function fromTorchLayout(layout: ParamLayout, t: HostTensor, tfShape: readonly number[]): { data: Float32Array; shape: number[] } {
  const data = toFloat32(t);
  const shape = t.shape;
  switch (layout) {
    case 'linear':
      return shape.length === 2 ? permute(data, shape, [1, 0]) : { data, shape: [...shape] };
    case 'conv':
      return permute(data, shape, [2, 3, 1, 0]);
    case 'depthwise': {
      // torch [C*m, 1, kh, kw]: output channel o = c*m + j reads input channel c.
      const [cm, , kh, kw] = shape as [number, number, number, number];
      const m = tfShape[3] ?? 1;
      const c = cm / m;
      const p = permute(data, shape, [2, 3, 1, 0]); // [kh, kw, 1, C*m] == [kh, kw, C, m] in memory
      return { data: p.data, shape: [kh, kw, c, m] };
    }
    case 'convT':
      return permute(data, shape, [2, 3, 1, 0]);
    case 'same':
      return { data, shape: [...shape] };
  }
}

/** Convert a tfjs-layout array back to PyTorch layout (for export). */
export function toTorchLayout(layout: ParamLayout, data: Float32Array, tfShape: readonly number[]): { data: Float32Array; shape: number[] } {
  const shape = [...tfShape];
  switch (layout) {
    case 'linear':
      return shape.length === 2 ? permute(data, shape, [1, 0]) : { data, shape };
    case 'conv':
    case 'convT':
      return permute(data, shape, [3, 2, 0, 1]);
    case 'depthwise': {
      const [kh, kw, c, m] = shape as [number, number, number, number];
      const p = permute(data, [kh, kw, 1, c * m], [3, 2, 0, 1]);
      return { data: p.data, shape: [c * m, 1, kh, kw] };
    }
    case 'same':
      return { data, shape };
  }
}

/** The PyTorch shape a parameter with this layout and tfjs shape has in a checkpoint. */
export function tfToTorchShape(layout: ParamLayout, tfShape: readonly number[]): number[] {
  const [a, b, c, d] = tfShape as number[];
  switch (layout) {
    case 'linear':
      return tfShape.length === 2 ? [b!, a!] : [...tfShape];
    case 'conv':
    case 'convT':
      return [d!, c!, a!, b!];
    case 'depthwise':
      return [c! * d!, 1, a!, b!];
    case 'same':
      return [...tfShape];
  }
}

export function assertSameShape(key: string, expected: readonly number[], got: readonly number[]): void {
  if (expected.length !== got.length || expected.some((v, i) => v !== got[i]) || numel(expected) !== numel(got)) {
    throw new Error(
      `size mismatch for ${key}: copying a param with shape ${shapeToString(got)} from checkpoint, the shape in current model is ${shapeToString(expected)}`,
    );
  }
}
