import type { HostData, HostDType, HostTensor, StridedView } from '../host-tensor.js';
import { numel } from '../host-tensor.js';
import { allocHostData } from './dtypes.js';

/**
 * A host tensor that is a strided view of `view.storage` (a transposed weight, an expanded stride-0 tensor,
 * overlapping slices): nothing is allocated until `data` is first read, which gathers the elements row-major
 * and keeps them. `where` names the tensor in the error raised if that allocation fails.
 * The caller has checked the geometry: every element index lies inside the storage.
 */
export function viewTensor(dtype: HostDType, shape: number[], view: StridedView, where: string): HostTensor {
  let data: HostData | null = null;
  const tensor = { dtype, shape, view } as HostTensor;
  // An own, enumerable getter: `{ ...t }` and structured copies read (and so materialise) it like a field.
  Object.defineProperty(tensor, 'data', {
    enumerable: true,
    get: () => (data ??= gather(dtype, shape, view, where)),
  });
  return tensor;
}

function gather(dtype: HostDType, shape: number[], view: StridedView, where: string): HostData {
  const n = numel(shape);
  let out: HostData;
  try {
    out = allocHostData(dtype, n);
  } catch (err) {
    throw new Error(`${where}: cannot materialise the view of shape [${shape.join(', ')}] (${n} elements): ${(err as Error).message}`);
  }
  const dst = out as unknown as { [i: number]: number | bigint };
  const src = view.storage as unknown as { [i: number]: number | bigint };
  const { stride } = view;
  const idx = new Array<number>(shape.length).fill(0);
  let at = view.offset;
  for (let o = 0; o < n; o++) {
    dst[o] = src[at]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]!++;
      at += stride[d]!;
      if (idx[d]! < shape[d]!) break;
      at -= idx[d]! * stride[d]!;
      idx[d] = 0;
    }
  }
  return out;
}
