/**
 * OpenCV's 8-bit RGB<->HSV (cv2.COLOR_BGR2HSV / HSV2BGR): H in [0, 180), S and V in [0, 255].
 * Forward uses OpenCV's 12-bit fixed-point tables; backward goes through float32 and truncates, as
 * OpenCV's vectorised HSV2RGB_b does; its scalar tail, the last (width % 32) pixels of each row on
 * an AVX2 build, rounds instead. Bit-exact against cv2 5.0 (x86-64) on random pixels.
 * Both work in place on interleaved RGB (mmseg calls them on BGR; the maths is per pixel, so only
 * the channel order differs).
 */
const SHIFT = 12;
const sdiv = new Int32Array(256);
const hdiv = new Int32Array(256);
for (let i = 1; i < 256; i++) {
  sdiv[i] = Math.round((255 << SHIFT) / i);
  hdiv[i] = Math.round((180 << SHIFT) / (6 * i));
}

export function rgbToHsvU8InPlace(px: Uint8Array): void {
  for (let i = 0; i < px.length; i += 3) {
    const r = px[i]!;
    const g = px[i + 1]!;
    const b = px[i + 2]!;
    const v = Math.max(r, g, b);
    const vmin = Math.min(r, g, b);
    const diff = v - vmin;
    const s = (diff * sdiv[v]! + (1 << (SHIFT - 1))) >> SHIFT;
    let h: number;
    if (v === r) h = g - b;
    else if (v === g) h = b - r + 2 * diff;
    else h = r - g + 4 * diff;
    h = (h * hdiv[diff]! + (1 << (SHIFT - 1))) >> SHIFT;
    if (h < 0) h += 180;
    px[i] = h;
    px[i + 1] = s;
    px[i + 2] = v;
  }
}

const SECTORS = [
  [1, 3, 0],
  [1, 0, 2],
  [3, 0, 1],
  [0, 2, 1],
  [0, 1, 3],
  [2, 1, 0],
] as const;

export function hsvToRgbU8InPlace(px: Uint8Array, width = px.length / 3): void {
  const VECTOR_PIXELS = 32;
  const vectorWidth = width - (width % VECTOR_PIXELS);
  const f = Math.fround;
  const hscale = f(6 / 180);
  const inv255 = f(1 / 255);
  const tab = [0, 0, 0, 0];
  for (let i = 0; i < px.length; i += 3) {
    const toU8 = (i / 3) % width < vectorWidth ? truncU8 : roundU8;
    let h = f(px[i]! * hscale);
    const s = f(px[i + 1]! * inv255);
    const v = f(px[i + 2]! * inv255);
    let r: number;
    let g: number;
    let b: number;
    if (s === 0) {
      r = g = b = v;
    } else {
      let sector = Math.trunc(h);
      h = f(h - sector);
      if (sector < 0 || sector >= 6) {
        sector = 0;
        h = 0;
      }
      tab[0] = v;
      tab[1] = f(v * f(1 - s));
      tab[2] = f(v * f(1 - f(s * h)));
      tab[3] = f(v * f(1 - f(s * f(1 - h))));
      const sd = SECTORS[sector]!;
      b = tab[sd[0]]!;
      g = tab[sd[1]]!;
      r = tab[sd[2]]!;
    }
    px[i] = toU8(r * 255);
    px[i + 1] = toU8(g * 255);
    px[i + 2] = toU8(b * 255);
  }
}

function roundU8(v: number): number {
  const x = Math.fround(v);
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

function truncU8(v: number): number {
  const r = Math.trunc(Math.fround(v));
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
