type TypedArrayCtor<T> = { new (n: number): T };

/** An append-only typed array that doubles its capacity, for building compact columns of unknown length. */
export class GrowableArray<T extends Float64Array | Int32Array | Uint32Array | Uint8Array> {
  private buf: T;
  length = 0;

  constructor(private readonly ctor: TypedArrayCtor<T>, capacity = 1024) {
    this.buf = new ctor(capacity);
  }

  push(v: number): void {
    if (this.length === this.buf.length) this.grow(this.length + 1);
    this.buf[this.length++] = v;
  }

  pushAll(values: ArrayLike<number>): void {
    if (this.length + values.length > this.buf.length) this.grow(this.length + values.length);
    for (let i = 0; i < values.length; i++) this.buf[this.length + i] = values[i]!;
    this.length += values.length;
  }

  /** A right-sized copy; the builder's buffer is released. */
  finish(): T {
    const out = new this.ctor(this.length);
    out.set(this.buf.subarray(0, this.length) as never);
    this.buf = new this.ctor(0);
    return out;
  }

  private grow(min: number): void {
    let cap = Math.max(this.buf.length * 2, 1024);
    while (cap < min) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.buf as never);
    this.buf = next;
  }
}
