/**
 * Run-length encoded binary masks, as pycocotools' maskApi.c: the mask is read in column-major
 * order (down each column, then the next column) and `counts` alternates runs of 0s and 1s,
 * starting with a (possibly empty) run of 0s.
 */

/** A binary h x w mask as column-major runs that start with zeros. */
export interface Rle {
  h: number;
  w: number;
  counts: Uint32Array;
}

/** An [x, y, width, height] box, as COCO writes it. */
export type Bbox = [number, number, number, number];

export function makeRle(h: number, w: number, counts: ArrayLike<number>): Rle {
  return { h, w, counts: counts instanceof Uint32Array ? counts : Uint32Array.from(counts) };
}

/** RLE of a column-major mask (index = x * h + y), any non-zero byte being foreground (rleEncode). */
export function encode(maskColMajor: Uint8Array, h: number, w: number): Rle {
  const a = h * w;
  if (maskColMajor.length < a) throw new Error(`encode: mask has ${maskColMajor.length} values, expected ${h}x${w} = ${a}`);
  const cnts = new Uint32Array(a + 1);
  let k = 0;
  let p = 0;
  let c = 0;
  for (let j = 0; j < a; j++) {
    // maskApi.c compares bytes with the previous byte value, so e.g. 2 after 1 starts a new run.
    const v = maskColMajor[j]!;
    if (v !== p) {
      cnts[k++] = c;
      c = 0;
      p = v;
    }
    c++;
  }
  cnts[k++] = c;
  return { h, w, counts: cnts.slice(0, k) };
}

/** RLE of a row-major mask (index = y * w + x), the layout images and BitmapMasks use. */
export function encodeRowMajor(maskRowMajor: Uint8Array, h: number, w: number): Rle {
  if (maskRowMajor.length < h * w) throw new Error(`encodeRowMajor: mask has ${maskRowMajor.length} values, expected ${h}x${w}`);
  const col = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) col[x * h + y] = maskRowMajor[row + x]! ? 1 : 0;
  }
  return encode(col, h, w);
}

function checkCoverage(rle: Rle): void {
  let total = 0;
  for (let j = 0; j < rle.counts.length; j++) total += rle.counts[j]!;
  if (total !== rle.h * rle.w) {
    throw new Error(`decode: RLE counts sum to ${total}, but the mask is ${rle.h}x${rle.w} = ${rle.h * rle.w} pixels`);
  }
}

/** The column-major 0/1 mask of an RLE (rleDecode). */
export function decode(rle: Rle): Uint8Array {
  checkCoverage(rle);
  const out = new Uint8Array(rle.h * rle.w);
  let pos = 0;
  let v = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const n = rle.counts[j]!;
    if (v) out.fill(1, pos, pos + n);
    pos += n;
    v = v ? 0 : 1;
  }
  return out;
}

/** The row-major 0/1 mask of an RLE (index = y * w + x). */
export function decodeRowMajor(rle: Rle): Uint8Array {
  checkCoverage(rle);
  const { h, w } = rle;
  const out = new Uint8Array(h * w);
  let pos = 0;
  let v = 0;
  for (let j = 0; j < rle.counts.length; j++) {
    const n = rle.counts[j]!;
    if (v) {
      for (let i = pos; i < pos + n; i++) {
        const x = (i / h) | 0;
        out[(i - x * h) * w + x] = 1;
      }
    }
    pos += n;
    v = v ? 0 : 1;
  }
  return out;
}

/** Foreground pixel count (rleArea): the sum of the odd runs, as uint32. */
export function area(rle: Rle): number {
  let a = 0;
  const c = rle.counts;
  for (let j = 1; j < c.length; j += 2) a = (a + c[j]!) >>> 0;
  return a;
}

/**
 * Tight [x, y, w, h] box of the foreground (rleToBbox), with maskApi.c's uint arithmetic. A run
 * that crosses a column boundary makes the box span the full height, exactly as the C code does.
 */
export function toBbox(rle: Rle): Bbox {
  const h = rle.h >>> 0;
  const w = rle.w >>> 0;
  const cnts = rle.counts;
  const m = Math.floor(cnts.length / 2) * 2;
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc = (cc + cnts[j]!) >>> 0;
    const t = (cc - (j % 2)) >>> 0;
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, (xe - xs + 1) >>> 0, (ye - ys + 1) >>> 0];
}

/**
 * Union (intersect = false) or intersection of RLEs of one image size (rleMerge). Sizes that
 * differ give an empty 0x0 RLE, as pycocotools does.
 */
export function merge(rles: readonly Rle[], intersect = false): Rle {
  const n = rles.length;
  if (n === 0) return { h: 0, w: 0, counts: new Uint32Array(0) };
  const first = rles[0]!;
  if (n === 1) return { h: first.h, w: first.w, counts: first.counts.slice() };
  let h = first.h;
  let w = first.w;
  // The output's run boundaries are a subset of the inputs' boundaries, so the summed lengths bound
  // it (maskApi.c allocates h*w+1, which is large for big images).
  let bound = 1;
  for (const r of rles) bound += r.counts.length;
  let cnts = new Uint32Array(bound);
  cnts.set(first.counts);
  let m = first.counts.length;
  for (let i = 1; i < n; i++) {
    const B = rles[i]!;
    if (B.h !== h || B.w !== w) {
      h = w = m = 0;
      break;
    }
    const A = cnts.slice(0, m);
    const Am = m;
    const Bc = B.counts;
    const Bm = Bc.length;
    let ca = A[0]!;
    let cb = Bc[0]!;
    let v = 0;
    let va = 0;
    let vb = 0;
    m = 0;
    let a = 1;
    let b = 1;
    let cc = 0;
    let ct = 1;
    while (ct > 0) {
      const c = Math.min(ca, cb);
      cc += c;
      ct = 0;
      ca -= c;
      if (!ca && a < Am) {
        ca = A[a++]!;
        va = va ? 0 : 1;
      }
      ct += ca;
      cb -= c;
      if (!cb && b < Bm) {
        cb = Bc[b++]!;
        vb = vb ? 0 : 1;
      }
      ct += cb;
      const vp = v;
      v = intersect ? (va && vb ? 1 : 0) : va || vb ? 1 : 0;
      if (v !== vp || ct === 0) {
        cnts[m++] = cc;
        cc = 0;
      }
    }
  }
  const out = new Uint32Array(m);
  out.set(cnts.subarray(0, m));
  cnts = out;
  return { h, w, counts: cnts };
}
