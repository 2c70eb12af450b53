/**
 * The permutation torch's CPU `tensor.sort(descending=True)` (stable=False) returns, ties included.
 *
 * mmdet and mmcv rank scores with it (RPN top-k per level, NMS visiting order, batched_nms' merge), and equal
 * float32 scores are common (saturated sigmoids, quantised probabilities), so which tied box is visited first
 * decides which one NMS keeps. torch 1.x sorts (value, index) pairs with libstdc++'s `std::sort` and the
 * comparator `isnan(a) && !isnan(b) || a > b`: introsort (median-of-three pivot moved to the front, unguarded
 * Hoare partition, heap sort below a depth of 2 * floor(log2 n)), then insertion sort. Ties come out in input
 * order up to 16 elements and scrambled beyond. This is that algorithm step by step; checked against torch 1.13
 * on tie-heavy arrays (test/detection/torch-sort.test.ts).
 */

/** Indices 0..n-1 in the order torch's CPU sort(descending=True) lists them. */
export function argsortDescending(scores: ArrayLike<number>): Int32Array {
  return new IntroSort(scores).run();
}

const THRESHOLD = 16;

class IntroSort {
  private readonly v: Float64Array;
  private readonly ix: Int32Array;

  constructor(values: ArrayLike<number>) {
    this.v = Float64Array.from(values as ArrayLike<number>);
    this.ix = new Int32Array(this.v.length);
    for (let i = 0; i < this.ix.length; i++) this.ix[i] = i;
  }

  run(): Int32Array {
    const n = this.v.length;
    if (n > 1) {
      this.introsortLoop(0, n, 2 * (31 - Math.clz32(n)));
      if (n > THRESHOLD) {
        this.insertionSort(0, THRESHOLD);
        for (let i = THRESHOLD; i < n; i++) this.unguardedLinearInsert(i);
      } else {
        this.insertionSort(0, n);
      }
    }
    return this.ix;
  }

  /** torch's KeyValueCompDesc: NaN first, then larger values first. */
  private static before(a: number, b: number): boolean {
    return (Number.isNaN(a) && !Number.isNaN(b)) || a > b;
  }

  private comp(i: number, j: number): boolean {
    return IntroSort.before(this.v[i]!, this.v[j]!);
  }

  private swap(i: number, j: number): void {
    const { v, ix } = this;
    const t = v[i]!;
    v[i] = v[j]!;
    v[j] = t;
    const u = ix[i]!;
    ix[i] = ix[j]!;
    ix[j] = u;
  }

  private move(to: number, from: number): void {
    this.v[to] = this.v[from]!;
    this.ix[to] = this.ix[from]!;
  }

  private introsortLoop(first: number, last: number, depth: number): void {
    while (last - first > THRESHOLD) {
      if (depth === 0) {
        this.heapSort(first, last);
        return;
      }
      depth--;
      const cut = this.partitionPivot(first, last);
      this.introsortLoop(cut, last, depth);
      last = cut;
    }
  }

  private partitionPivot(first: number, last: number): number {
    const mid = first + ((last - first) >> 1);
    this.moveMedianToFirst(first, first + 1, mid, last - 1);
    // unguarded partition of [first + 1, last) around the pivot at first
    let lo = first + 1;
    let hi = last;
    for (;;) {
      while (this.comp(lo, first)) lo++;
      hi--;
      while (this.comp(first, hi)) hi--;
      if (!(lo < hi)) return lo;
      this.swap(lo, hi);
      lo++;
    }
  }

  private moveMedianToFirst(result: number, a: number, b: number, c: number): void {
    if (this.comp(a, b)) {
      if (this.comp(b, c)) this.swap(result, b);
      else if (this.comp(a, c)) this.swap(result, c);
      else this.swap(result, a);
    } else if (this.comp(a, c)) this.swap(result, a);
    else if (this.comp(b, c)) this.swap(result, c);
    else this.swap(result, b);
  }

  private insertionSort(first: number, last: number): void {
    for (let i = first + 1; i < last; i++) {
      if (this.comp(i, first)) {
        const val = this.v[i]!;
        const idx = this.ix[i]!;
        for (let k = i; k > first; k--) this.move(k, k - 1);
        this.v[first] = val;
        this.ix[first] = idx;
      } else {
        this.unguardedLinearInsert(i);
      }
    }
  }

  private unguardedLinearInsert(last: number): void {
    const val = this.v[last]!;
    const idx = this.ix[last]!;
    let next = last - 1;
    while (IntroSort.before(val, this.v[next]!)) {
      this.move(last, next);
      last = next;
      next--;
    }
    this.v[last] = val;
    this.ix[last] = idx;
  }

  /** std::__partial_sort(first, last, last): make_heap, then sort_heap (pop the top to the back). */
  private heapSort(first: number, last: number): void {
    const len = last - first;
    if (len >= 2) {
      for (let parent = (len - 2) >> 1; ; parent--) {
        this.adjustHeap(first, parent, len, this.v[first + parent]!, this.ix[first + parent]!);
        if (parent === 0) break;
      }
    }
    while (last - first > 1) {
      last--;
      const val = this.v[last]!;
      const idx = this.ix[last]!;
      this.move(last, first);
      this.adjustHeap(first, 0, last - first, val, idx);
    }
  }

  /** std::__adjust_heap followed by std::__push_heap, with the hole's value (val, idx) held aside. */
  private adjustHeap(first: number, hole: number, len: number, val: number, idx: number): void {
    const top = hole;
    let child = hole;
    while (child < (len - 1) >> 1) {
      child = 2 * (child + 1);
      if (this.comp(first + child, first + child - 1)) child--;
      this.move(first + hole, first + child);
      hole = child;
    }
    if ((len & 1) === 0 && child === (len - 2) >> 1) {
      child = 2 * (child + 1);
      this.move(first + hole, first + child - 1);
      hole = child - 1;
    }
    let parent = (hole - 1) >> 1;
    while (hole > top && IntroSort.before(this.v[first + parent]!, val)) {
      this.move(first + hole, first + parent);
      hole = parent;
      parent = (hole - 1) >> 1;
    }
    this.v[first + hole] = val;
    this.ix[first + hole] = idx;
  }
}
