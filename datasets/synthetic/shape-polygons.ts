/**
 * Outlines of the synthetic shapes as flat [x0, y0, x1, y1, ...] polygons in pixel coordinates
 * (COCO's polygon format). The ring is one "keyhole" polygon: around the outer circle, then back
 * around the inner one, so that the even-odd rasterisation of pycocotools leaves the hole empty.
 */
export type ShapeKind = 'circle' | 'rectangle' | 'triangle' | 'ring' | 'star';

export const SHAPE_KINDS: ShapeKind[] = ['circle', 'rectangle', 'triangle', 'ring', 'star'];

export interface ShapeParams {
  kind: ShapeKind;
  cx: number;
  cy: number;
  /** Outer radius (half the extent). */
  r: number;
  /** Rotation in radians. */
  angle: number;
  /** rectangle: height/width ratio; ring: inner/outer radius; star: inner/outer radius. */
  ratio: number;
}

const CIRCLE_POINTS = 36;

export function shapePolygon(p: ShapeParams): number[] {
  switch (p.kind) {
    case 'circle':
      return regular(p.cx, p.cy, p.r, CIRCLE_POINTS, p.angle);
    case 'triangle':
      return regular(p.cx, p.cy, p.r, 3, p.angle);
    case 'rectangle': {
      // Half-diagonal r; sides in the given aspect ratio.
      const hw = p.r / Math.sqrt(1 + p.ratio * p.ratio);
      const hh = hw * p.ratio;
      const pts: number[] = [];
      for (const [x, y] of [[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]] as const) pts.push(...rotate(x, y, p.angle, p.cx, p.cy));
      return pts;
    }
    case 'star': {
      const pts: number[] = [];
      for (let i = 0; i < 10; i++) {
        const rr = i % 2 === 0 ? p.r : p.r * p.ratio;
        const a = p.angle + (i * Math.PI) / 5 - Math.PI / 2;
        pts.push(p.cx + rr * Math.cos(a), p.cy + rr * Math.sin(a));
      }
      return pts;
    }
    case 'ring': {
      const outer: number[] = [];
      const inner: number[] = [];
      for (let i = 0; i <= CIRCLE_POINTS; i++) {
        const a = p.angle + (2 * Math.PI * i) / CIRCLE_POINTS;
        outer.push(p.cx + p.r * Math.cos(a), p.cy + p.r * Math.sin(a));
        inner.push(p.cx + p.r * p.ratio * Math.cos(-a + 2 * p.angle), p.cy + p.r * p.ratio * Math.sin(-a + 2 * p.angle));
      }
      return [...outer, ...inner];
    }
  }
}

function regular(cx: number, cy: number, r: number, n: number, angle: number): number[] {
  const pts: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = angle + (2 * Math.PI * i) / n - Math.PI / 2;
    pts.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
  }
  return pts;
}

function rotate(x: number, y: number, a: number, cx: number, cy: number): [number, number] {
  const c = Math.cos(a);
  const s = Math.sin(a);
  return [cx + x * c - y * s, cy + x * s + y * c];
}

/** Round coordinates to 2 decimals, as COCO files store them. */
export function roundPolygon(poly: number[]): number[] {
  return poly.map((v) => Math.round(v * 100) / 100);
}
