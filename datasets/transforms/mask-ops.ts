import type { BitmapMasks } from '../../core/types/data.js';
import { resizeNearestPlanesU8 } from '../image/resize-nearest.js';

/** mmdet BitmapMasks operations on our row-major stacks. */

export function resizeMasks(m: BitmapMasks, height: number, width: number): BitmapMasks {
  if (m.height === height && m.width === width) return m;
  return { count: m.count, height, width, data: resizeNearestPlanesU8(m.data, m.count, m.height, m.width, height, width) };
}

export function flipMasks(m: BitmapMasks, direction: 'horizontal' | 'vertical'): BitmapMasks {
  return { ...m, data: flipPlanes(m.data, m.count, m.height, m.width, 1, direction) };
}

/** Keep masks whose index is listed (mmdet's masks[valid_inds]). */
export function selectMasks(m: BitmapMasks, keep: number[]): BitmapMasks {
  const plane = m.height * m.width;
  const data = new Uint8Array(keep.length * plane);
  keep.forEach((k, i) => data.set(m.data.subarray(k * plane, (k + 1) * plane), i * plane));
  return { count: keep.length, height: m.height, width: m.width, data };
}

/** Window [y1, y1+h) x [x1, x1+w), which must lie inside the masks. */
export function cropMasks(m: BitmapMasks, x1: number, y1: number, w: number, h: number): BitmapMasks {
  return { count: m.count, height: h, width: w, data: cropPlanes(m.data, m.count, m.height, m.width, 1, x1, y1, w, h) };
}

export function padMasks(m: BitmapMasks, height: number, width: number): BitmapMasks {
  return { count: m.count, height, width, data: padPlanes(m.data, m.count, m.height, m.width, 1, height, width, 0) };
}

/** Flip `count` HWC planes of `cn` channels. */
export function flipPlanes<T extends Uint8Array | Float32Array>(src: T, count: number, h: number, w: number, cn: number, direction: 'horizontal' | 'vertical'): T {
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const rowLen = w * cn;
  for (let c = 0; c < count; c++) {
    const base = c * h * rowLen;
    for (let y = 0; y < h; y++) {
      if (direction === 'vertical') {
        out.set(src.subarray(base + y * rowLen, base + (y + 1) * rowLen), base + (h - 1 - y) * rowLen);
        continue;
      }
      const row = base + y * rowLen;
      for (let x = 0; x < w; x++) {
        const s = row + x * cn;
        const d = row + (w - 1 - x) * cn;
        for (let k = 0; k < cn; k++) out[d + k] = src[s + k]!;
      }
    }
  }
  return out;
}

export function cropPlanes<T extends Uint8Array | Float32Array>(src: T, count: number, h: number, w: number, cn: number, x1: number, y1: number, cw: number, ch: number): T {
  const out = new (src.constructor as new (n: number) => T)(count * ch * cw * cn);
  for (let c = 0; c < count; c++) {
    for (let y = 0; y < ch; y++) {
      const s = ((c * h + y1 + y) * w + x1) * cn;
      out.set(src.subarray(s, s + cw * cn), (c * ch + y) * cw * cn);
    }
  }
  return out;
}

/** Pad at the bottom and right with `value` (mmcv.impad, padding_mode constant). */
export function padPlanes<T extends Uint8Array | Float32Array>(src: T, count: number, h: number, w: number, cn: number, ph: number, pw: number, value: number): T {
  if (ph === h && pw === w) return src;
  if (ph < h || pw < w) throw new Error(`pad target ${ph}x${pw} is smaller than the image ${h}x${w}`);
  const out = new (src.constructor as new (n: number) => T)(count * ph * pw * cn);
  if (value !== 0) out.fill(value);
  for (let c = 0; c < count; c++) {
    for (let y = 0; y < h; y++) out.set(src.subarray((c * h + y) * w * cn, (c * h + y + 1) * w * cn), (c * ph + y) * pw * cn);
  }
  return out;
}
