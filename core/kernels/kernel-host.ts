import * as tf from '@tensorflow/tfjs-core';

type TensorInfo = tf.TensorInfo;

/** Backends whose tensor memory a KernelHost reaches as typed arrays (kernels written on it register for these). */
export const HOST_MEMORY_BACKENDS: readonly string[] = ['wasm', 'cpu', 'native'];

/** A backend that hands out output arrays from a pool (the native backend, core/native-backend/). */
interface PooledBackend {
  allocateValues(dtype: 'float32' | 'int32' | 'bool', length: number, zeroed: boolean): Float32Array | Int32Array | Uint8Array;
}

/**
 * What a kernel written for this package needs from the backend it runs on: call the backend's own
 * registered kernels (so composite kernels reuse its fast matmul, slice, pad...), read inputs and
 * write outputs as typed arrays without copies where the backend allows, and free intermediates.
 * On wasm the arrays are views into the wasm heap; a view dies when the heap grows, so kernels take
 * views only after their last allocation.
 */
export class KernelHost {
  readonly backend: tf.KernelBackend;
  private readonly backendName: string;
  private readonly temps: TensorInfo[] = [];

  constructor(backend: unknown) {
    this.backend = backend as tf.KernelBackend;
    // The initialised backends only: findBackend would start initialising every other registered backend
    // (in a page, WebGPU's asynchronous init, which then blocks every kernel until it settles).
    const registry = tf.engine().registry;
    const name = Object.keys(registry).find((n) => registry[n] === backend);
    if (name === undefined) throw new Error('core/kernels: kernel called on an unregistered backend');
    this.backendName = name;
  }

  get isWasm(): boolean {
    return this.backendName === 'wasm';
  }

  /** Run the backend's own kernel `name`; the result is freed by `disposeTemps` unless `keep` is set. */
  call(name: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: Record<string, unknown> = {}, keep = false): TensorInfo {
    const kernel = tf.getKernel(name, this.backendName);
    if (kernel === undefined) throw new Error(`core/kernels: backend '${this.backendName}' has no kernel ${name}`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, attrs: attrs as tf.NamedAttrMap, backend: this.backend }) as TensorInfo;
    if (!keep) this.temps.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.call('Reshape', { x }, { shape });
  }

  /**
   * A new float32 output; its contents are set through `f32` after all other allocations. Zero-filled unless
   * `uninitialised` (for kernels that write every element: the native backend then skips clearing reused memory).
   */
  allocFloat32(shape: number[], uninitialised = false): TensorInfo {
    const size = tf.util.sizeFromShape(shape);
    if (this.isWasm) {
      return (this.backend as unknown as { makeOutput(s: number[], d: string): TensorInfo }).makeOutput(shape, 'float32');
    }
    const pooled = this.backend as unknown as Partial<PooledBackend>;
    const values = pooled.allocateValues ? pooled.allocateValues('float32', size, !uninitialised) : new Float32Array(size);
    const dataId = this.backend.write(values, shape, 'float32');
    return { dataId, shape, dtype: 'float32' };
  }

  /** A new output of x's shape and dtype (float32, int32 or bool). */
  allocFloat32Like(x: TensorInfo): TensorInfo {
    if (x.dtype === 'float32') return this.allocFloat32([...x.shape]);
    const shape = [...x.shape];
    if (this.isWasm) return (this.backend as unknown as { makeOutput(s: number[], d: string): TensorInfo }).makeOutput(shape, x.dtype);
    const size = tf.util.sizeFromShape(shape);
    const pooled = this.backend as unknown as Partial<PooledBackend>;
    const dtype = x.dtype as 'int32' | 'bool';
    const values = pooled.allocateValues ? pooled.allocateValues(dtype, size, true) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size);
    return { dataId: this.backend.write(values, shape, x.dtype), shape, dtype: x.dtype };
  }

  /** The values of `x` as a typed array (a heap view on wasm, the stored array on cpu): writes go to the tensor. */
  values(x: TensorInfo): Float32Array | Int32Array | Uint8Array {
    if (this.isWasm) {
      const wasm = this.backend as unknown as { typedArrayFromHeap(x: TensorInfo): Float32Array | Int32Array | Uint8Array };
      return wasm.typedArrayFromHeap(x);
    }
    const data = (this.backend as unknown as { data: { get(id: unknown): { values: unknown } } }).data.get(x.dataId);
    // The cpu backend may hold a float32 tensor in another array type (e.g. a Cast from bool keeps its
    // Uint8Array); native kernels need real float32 memory, so store it as such once.
    if (x.dtype === 'float32' && !(data.values instanceof Float32Array)) data.values = Float32Array.from(data.values as ArrayLike<number>);
    return data.values as Float32Array | Int32Array | Uint8Array;
  }

  f32(x: TensorInfo): Float32Array {
    if (x.dtype !== 'float32') throw new Error(`core/kernels: expected a float32 tensor, got ${x.dtype}`);
    return this.values(x) as Float32Array;
  }

  /** Free `x` with the other temporaries (for results of kernels called directly). */
  track(x: TensorInfo): TensorInfo {
    this.temps.push(x);
    return x;
  }

  /**
   * Take `x` out of the temporaries, to return it as the kernel's output. If it is a reshape of a temporary
   * (same data), that data gets an extra reference so freeing the temporary leaves it alive.
   */
  keep(x: TensorInfo): TensorInfo {
    const i = this.temps.indexOf(x);
    if (i >= 0) {
      this.temps.splice(i, 1);
    } else if (this.temps.some((t) => t.dataId === x.dataId)) {
      this.incRef(x);
    }
    return x;
  }

  private incRef(x: TensorInfo): void {
    const b = this.backend as unknown as { incRef?(id: unknown): void };
    if (b.incRef) b.incRef(x.dataId);
    else throw new Error('core/kernels: backend cannot share tensor data');
  }

  disposeTemps(): void {
    for (const t of this.temps.splice(0)) this.backend.disposeData(t.dataId);
  }
}
