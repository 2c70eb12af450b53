import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { TensorMemory } from './tensor-memory.js';

type DataId = object;
type Values = Float32Array | Int32Array | Uint8Array;

/** The name the backend is registered under (`--backend native`). */
export const NATIVE_BACKEND = 'native';

/**
 * The `native` backend: tfjs-backend-cpu's storage (tensors are JS typed arrays in ordinary process memory, so
 * the 4 GB wasm heap does not bound training) with our kernels (native/ addon) for the hot ops and the cpu
 * backend's own kernels for the rest. What it adds to `MathBackendCPU` is memory management: outputs come from
 * a pool of freed buffers (`TensorMemory`) and every tensor's bytes are counted against the memory available.
 */
export class NativeBackend extends MathBackendCPU {
  readonly memoryManager = new TensorMemory();

  constructor() {
    super();
    // MathBackendCPU prints a "install tfjs-node" banner on first write; initBackend prints our own line.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** An output array for a kernel, from the pool; zero-filled only if `zeroed`. */
  allocateValues(dtype: 'float32' | 'int32' | 'bool', length: number, zeroed = false): Values {
    return this.memoryManager.allocate(dtype, length, zeroed);
  }

  /** A new tensor of `shape` over `values` (typically from allocateValues), as a kernel output. */
  makeOutputInfo(values: Values, shape: number[], dtype: tf.DataType): tf.TensorInfo {
    return { dataId: this.write(values, shape, dtype), shape, dtype };
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): DataId {
    const id = super.write(values, shape, dtype);
    this.memoryManager.retain(values);
    return id;
  }

  override move(dataId: DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    if (this.data.has(dataId)) this.memoryManager.release(this.data.get(dataId)!.values);
    super.move(dataId, values, shape, dtype, refCount);
    this.memoryManager.retain(values);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.data.has(dataId) ? this.data.get(dataId) : undefined;
    const released = super.disposeData(dataId, force);
    if (entry && !this.data.has(dataId)) this.memoryManager.release(entry.values);
    return released;
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    this.memoryManager.escape(values);
    return values;
  }
}

/** The native backend if `backend` is one (kernels use its pool), else undefined. */
export function asNativeBackend(backend: unknown): NativeBackend | undefined {
  return backend instanceof NativeBackend ? backend : undefined;
}
