import type { Rng } from '../../core/rng.js';

/** An RGB canvas and the brushes the generators paint with. Per-pixel noise is a hash, not an Rng call, for speed. */
export interface Canvas {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export type Rgb = [number, number, number];

export interface Texture {
  kind: 'flat' | 'stripes' | 'checker' | 'noise';
  /** Stripe/checker period in pixels. */
  period: number;
  angle: number;
  /** Amplitude of the pattern in grey levels. */
  amp: number;
  seed: number;
}

export function newCanvas(width: number, height: number): Canvas {
  return { width, height, rgb: new Uint8Array(width * height * 3) };
}

/** Integer hash of (x, y, seed) to [-1, 1). */
export function hashNoise(x: number, y: number, seed: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ Math.imul(seed, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return ((h >>> 0) / 2147483648) - 1;
}

function textureValue(t: Texture, x: number, y: number): number {
  switch (t.kind) {
    case 'flat':
      return 0;
    case 'stripes': {
      const u = x * Math.cos(t.angle) + y * Math.sin(t.angle);
      return t.amp * Math.sin((2 * Math.PI * u) / t.period);
    }
    case 'checker':
      return ((Math.floor(x / t.period) + Math.floor(y / t.period)) & 1 ? t.amp : -t.amp) / 2;
    case 'noise':
      return t.amp * hashNoise(x >> 1, y >> 1, t.seed);
  }
}

function put(c: Canvas, i: number, col: Rgb, delta: number): void {
  c.rgb[i * 3] = clampU8(col[0] + delta);
  c.rgb[i * 3 + 1] = clampU8(col[1] + delta);
  c.rgb[i * 3 + 2] = clampU8(col[2] + delta);
}

function clampU8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Paint a textured colour wherever the row-major mask is set; `grain` adds per-pixel noise. */
export function paintMask(c: Canvas, mask: Uint8Array, col: Rgb, tex: Texture, grain: number, seed: number): void {
  const w = c.width;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = i % w;
    const y = (i / w) | 0;
    put(c, i, col, textureValue(tex, x, y) + grain * hashNoise(x, y, seed));
  }
}

/** Vertical two-colour gradient with a soft large-scale pattern and grain. */
export function paintBackground(c: Canvas, top: Rgb, bottom: Rgb, tex: Texture, grain: number, seed: number): void {
  const { width: w, height: h } = c;
  for (let y = 0; y < h; y++) {
    const t = h > 1 ? y / (h - 1) : 0;
    const col: Rgb = [top[0] + (bottom[0] - top[0]) * t, top[1] + (bottom[1] - top[1]) * t, top[2] + (bottom[2] - top[2]) * t];
    for (let x = 0; x < w; x++) put(c, y * w + x, col, textureValue(tex, x, y) + grain * hashNoise(x, y, seed));
  }
}

/** A thick line segment as a filled quadrilateral (clutter). */
export function lineSegmentPolygon(x0: number, y0: number, x1: number, y1: number, width: number): number[] {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len = Math.hypot(dx, dy) || 1;
  const nx = (-dy / len) * (width / 2);
  const ny = (dx / len) * (width / 2);
  return [x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny];
}

export function randomColour(rng: Rng, minSat = 0.5): Rgb {
  // HSV with a high saturation and value so shapes stand out from the muted background.
  const h = rng.next() * 6;
  const s = minSat + (1 - minSat) * rng.next();
  const v = 0.55 + 0.45 * rng.next();
  const i = Math.floor(h);
  const f = h - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const rgb = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][i % 6]!;
  return [rgb[0]! * 255, rgb[1]! * 255, rgb[2]! * 255];
}

export function randomTexture(rng: Rng, scale: number): Texture {
  const kinds: Texture['kind'][] = ['flat', 'stripes', 'checker', 'noise'];
  return { kind: kinds[rng.int(0, kinds.length)]!, period: 3 + rng.next() * 8 * scale, angle: rng.next() * Math.PI, amp: 15 + rng.next() * 35, seed: rng.int(0, 1 << 30) };
}
