/**
 * A tensor held in plain JS memory: what checkpoint readers produce and writers consume.
 * Keeping checkpoint I/O off the tfjs engine means reading a file never allocates backend memory
 * and never needs disposing.
 */
export type HostDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type HostData =
  | Float32Array
  | Float64Array
  | Uint16Array // float16 / bfloat16 bit patterns
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

export interface HostTensor {
  dtype: HostDType;
  shape: number[];
  /** Row-major values of `shape`. For a `view` this is gathered from the storage on first access (then kept). */
  readonly data: HostData;
  /**
   * Set when the tensor is a strided view (stride 0, transposed, overlapping) read from a checkpoint: its
   * elements live in `storage`, so a view of a 1-element storage costs 1 element until `data` is read.
   */
  readonly view?: StridedView;
}

/** Where a view's elements are: element i of the row-major order is `storage[offset + sum(idx[d] * stride[d])]`. */
export interface StridedView {
  storage: HostData;
  offset: number;
  stride: number[];
}

/**
 * The largest element count a host tensor may have (int32's maximum: tfjs and the wasm heap index with
 * 32-bit integers, and a float32 tensor this size is already 8 GB).
 */
export const MAX_HOST_ELEMENTS = 2 ** 31 - 1;

/** Parameters and buffers by dotted PyTorch name, in PyTorch layout. Insertion order is file order. */
export type StateDict = Map<string, HostTensor>;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Why `shape` is not a valid tensor shape (a dimension that is not a non-negative integer, or more than
 * MAX_HOST_ELEMENTS elements), or null if it is. Checked before anything is allocated for it.
 */
export function shapeProblem(shape: readonly unknown[]): string | null {
  for (const [i, d] of shape.entries()) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return `dimension ${i} of shape ${describeShape(shape)} is not a non-negative integer`;
  }
  if ((shape as number[]).includes(0)) return null;
  let n = 1;
  for (const d of shape as number[]) {
    n *= d;
    // Stop before the product leaves the exact range: it is compared only while <= MAX_HOST_ELEMENTS.
    if (n > MAX_HOST_ELEMENTS) return `shape ${describeShape(shape)} has more than the ${MAX_HOST_ELEMENTS} elements a host tensor may have`;
  }
  return null;
}

function describeShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (typeof d === 'string' ? JSON.stringify(d) : String(d))).join(', ')}]`;
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function halfToFloat(h: number): number {
  const s = (h & 0x8000) >> 15;
  const e = (h & 0x7c00) >> 10;
  const f = h & 0x03ff;
  if (e === 0) return (s ? -1 : 1) * Math.pow(2, -14) * (f / 1024);
  if (e === 0x1f) return f ? NaN : (s ? -1 : 1) * Infinity;
  return (s ? -1 : 1) * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** The tensor's values as float32 (float16/bfloat16/float64/ints converted), for loading into float parameters. */
export function toFloat32(t: HostTensor): Float32Array {
  const { data, dtype } = t;
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (dtype === 'float16') {
    const u = data as Uint16Array;
    for (let i = 0; i < u.length; i++) out[i] = halfToFloat(u[i]!);
  } else if (dtype === 'bfloat16') {
    const u = data as Uint16Array;
    const view = new Uint32Array(out.buffer);
    for (let i = 0; i < u.length; i++) view[i] = u[i]! << 16;
  } else if (data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  } else {
    for (let i = 0; i < data.length; i++) out[i] = Number((data as ArrayLike<number>)[i]!);
  }
  return out;
}

/** The tensor's values as int32, for integer buffers such as BatchNorm's num_batches_tracked. */
export function toInt32(t: HostTensor): Int32Array {
  const { data } = t;
  if (data instanceof Int32Array) return data;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number((data as ArrayLike<number | bigint>)[i]!);
  return out;
}

export function isFloatDType(d: HostDType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** How many of `values` are NaN or ±Infinity. */
export function countNonFinite(values: Float32Array | Float64Array): number {
  let n = 0;
  // v - v is 0 for every finite v and NaN for NaN and ±Infinity: one subtraction, no call per element.
  for (let i = 0; i < values.length; i++) if (values[i]! - values[i]! !== 0) n++;
  return n;
}

/** The first floating-point tensor of `sd` (in order) holding NaN or ±Infinity, with how many, or null. */
export function firstNonFinite(sd: StateDict): { name: string; count: number; numel: number } | null {
  for (const [name, t] of sd) {
    if (!isFloatDType(t.dtype)) continue;
    const values = t.data instanceof Float64Array ? t.data : toFloat32(t);
    const count = countNonFinite(values);
    if (count) return { name, count, numel: values.length };
  }
  return null;
}
