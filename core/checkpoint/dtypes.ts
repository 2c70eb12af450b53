import type { HostData, HostDType } from '../host-tensor.js';

/** Bytes per element of each host dtype. */
export const ITEM_SIZE: Record<HostDType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** A typed array of `n` zeroed elements for `dtype` (float16/bfloat16 as raw Uint16 bit patterns, bool as Uint8). */
export function allocHostData(dtype: HostDType, n: number): HostData {
  return typedArray(dtype, new ArrayBuffer(n * ITEM_SIZE[dtype]), 0, n);
}

/**
 * Little-endian bytes -> typed array of `n` elements (copied, so the result is aligned and owns its memory).
 * Every host this runs on (x86, arm) is little-endian, as are the files.
 */
export function hostDataFromBytes(dtype: HostDType, bytes: Uint8Array, n: number): HostData {
  const out = allocHostData(dtype, n);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes.subarray(0, n * ITEM_SIZE[dtype]));
  return out;
}

/** The raw little-endian bytes of a typed array (a view, no copy). */
export function bytesOf(data: HostData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A typed array over `bytes` without copying; `bytes` must start at an offset aligned for the dtype. */
export function hostDataOver(dtype: HostDType, bytes: Uint8Array): HostData {
  return typedArray(dtype, bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / ITEM_SIZE[dtype]));
}

function typedArray(dtype: HostDType, buffer: ArrayBufferLike, byteOffset: number, n: number): HostData {
  switch (dtype) {
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer, byteOffset, n);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'int32':
      return new Int32Array(buffer, byteOffset, n);
    case 'int16':
      return new Int16Array(buffer, byteOffset, n);
    case 'int8':
      return new Int8Array(buffer, byteOffset, n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer, byteOffset, n);
  }
}
