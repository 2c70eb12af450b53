// Writes an input that drives libstdc++'s introsort (torch's CPU sort) into its heap-sort fallback, with ties in
// the heap-sorted range: McIlroy's "killer adversary for quicksort" run against the same partition steps as
// core/boxes/torch-sort.ts. Items start as "gas"; comparing two gas items freezes one (the pivot candidate) to the
// next solid value. Gas items left at the end all get one value above every solid one, which keeps every
// comparison made so far true and leaves a large tied range for the heap sort.
//
// usage: node scripts/reference/antiqsort.mjs N OUT.json   (writes the N keys; sort them descending)
import { writeFileSync } from 'node:fs';

const n = Number(process.argv[2] ?? 300);
const out = process.argv[3] ?? 'antiqsort.json';
const GAS = Infinity;
const val = new Float64Array(n).fill(GAS);
let solid = 0;
let candidate = -1;
// x sorts before y: the adversary answers on ascending val; keys are -val, sorted descending.
function before(x, y) {
  if (val[x] === GAS && val[y] === GAS) val[x === candidate ? x : y] = solid++;
  if (val[x] === GAS) candidate = x;
  else if (val[y] === GAS) candidate = y;
  return val[x] < val[y];
}
const a = Int32Array.from({ length: n }, (_, i) => i);
const comp = (i, j) => before(a[i], a[j]);
const swap = (i, j) => ([a[i], a[j]] = [a[j], a[i]]);
function medianToFirst(r, x, y, z) {
  if (comp(x, y)) {
    if (comp(y, z)) swap(r, y);
    else if (comp(x, z)) swap(r, z);
    else swap(r, x);
  } else if (comp(x, z)) swap(r, x);
  else if (comp(y, z)) swap(r, z);
  else swap(r, y);
}
function partition(first, last) {
  medianToFirst(first, first + 1, first + ((last - first) >> 1), last - 1);
  let lo = first + 1;
  let hi = last;
  for (;;) {
    while (comp(lo, first)) lo++;
    hi--;
    while (comp(first, hi)) hi--;
    if (!(lo < hi)) return lo;
    swap(lo, hi);
    lo++;
  }
}
let heap = false;
function introsortLoop(first, last, depth) {
  while (last - first > 16) {
    if (depth === 0) return void (heap = true);
    depth--;
    const cut = partition(first, last);
    introsortLoop(cut, last, depth);
    last = cut;
  }
}
introsortLoop(0, n, 2 * (31 - Math.clz32(n)));
let tied = 0;
for (let i = 0; i < n; i++) if (val[i] === GAS) (val[i] = n + 1), tied++;
if (!heap) throw new Error(`n = ${n}: the adversary did not reach the heap sort`);
writeFileSync(out, JSON.stringify(Array.from(val, (v) => -v)));
console.log(`${out}: ${n} keys, ${tied} tied in the heap-sorted range`);
