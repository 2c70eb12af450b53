import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeLabelPng, encodeLabelPng } from '../../core/io/label-png.js';
import { decodeImageBytes } from '../../datasets/image/decode-image.js';
import { resizeBilinearU8 } from '../../datasets/image/resize-bilinear.js';
import { resizeNearestPlanesU8 } from '../../datasets/image/resize-nearest.js';
import { hsvToRgbU8InPlace, rgbToHsvU8InPlace } from '../../datasets/transforms/hsv-u8.js';

/** Outputs of cv2 5.0 (opencv-python-headless) on numpy-random inputs; see the "source" field of each file. */
const resizeRef = JSON.parse(readFileSync(join(__dirname, 'fixtures/cv2-resize.json'), 'utf8')) as {
  cases: { h: number; w: number; H: number; W: number; cn: number; src: number[]; linear: number[]; nearestOfChannel0: number[] }[];
};
const hsvRef = JSON.parse(readFileSync(join(__dirname, 'fixtures/cv2-hsv.json'), 'utf8')) as { rgb: number[]; hsv: number[]; hsvIn: number[]; rgbOut: number[] };

describe('image resizing matches cv2', () => {
  for (const c of resizeRef.cases) {
    it(`INTER_LINEAR and INTER_NEAREST ${c.h}x${c.w}x${c.cn} -> ${c.H}x${c.W}`, () => {
      const src = Uint8Array.from(c.src);
      expect(Array.from(resizeBilinearU8(src, c.h, c.w, c.cn, c.H, c.W))).toEqual(c.linear);
      const plane = Uint8Array.from({ length: c.h * c.w }, (_, i) => src[i * c.cn]!);
      expect(Array.from(resizeNearestPlanesU8(plane, 1, c.h, c.w, c.H, c.W))).toEqual(c.nearestOfChannel0);
    });
  }
});

describe('8-bit HSV matches cv2', () => {
  it('RGB2HSV', () => {
    const px = Uint8Array.from(hsvRef.rgb);
    rgbToHsvU8InPlace(px);
    expect(Array.from(px)).toEqual(hsvRef.hsv);
  });
  it('HSV2RGB (vector body truncates, scalar tail rounds)', () => {
    const px = Uint8Array.from(hsvRef.hsvIn);
    hsvToRgbU8InPlace(px, px.length / 3);
    expect(Array.from(px)).toEqual(hsvRef.rgbOut);
  });
});

/** A PNG built chunk by chunk, so the test controls colour type and palette exactly. */
function pngFile(w: number, h: number, colorType: number, rows: number[][], palette?: number[][]): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const raw = Buffer.concat(rows.map((r) => Buffer.from([0, ...r])));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(palette ? [chunk('PLTE', Buffer.from(palette.flat()))] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('label PNGs are read as raw values', () => {
  it('palette PNG: indices, even when palette colours repeat', () => {
    // indices 0 and 2 share a colour; pillow (mmseg) reads the index, not the colour
    const buf = pngFile(3, 2, 3, [[0, 1, 2], [2, 3, 1]], [[0, 0, 0], [120, 120, 120], [0, 0, 0], [6, 230, 230]]);
    const l = decodeLabelPng(buf);
    expect([l.height, l.width]).toEqual([2, 3]);
    expect(Array.from(l.data)).toEqual([0, 1, 2, 2, 3, 1]);
  });
  it('grayscale PNG: values, and the writer round-trips', () => {
    expect(Array.from(decodeLabelPng(pngFile(2, 2, 0, [[0, 150], [255, 7]])).data)).toEqual([0, 150, 255, 7]);
    const d = Uint8Array.from({ length: 35 }, (_, i) => (i * 37) % 256);
    expect(Array.from(decodeLabelPng(encodeLabelPng(d, 5, 7)).data)).toEqual(Array.from(d));
  });
  it('colour PNG is refused', () => {
    expect(() => decodeLabelPng(pngFile(1, 1, 2, [[1, 2, 3]]))).toThrow(/label maps must be 8-bit grayscale or palette/);
  });
});

describe('image decoding gives RGB uint8', () => {
  it('grayscale, RGBA and CMYK inputs become 3-channel RGB', async () => {
    const gray = await sharp(Buffer.from([10, 200, 30, 40]), { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
    const g = await decodeImageBytes(gray, 'gray.png');
    expect(g.channels).toBe(3);
    expect(Array.from(g.data.subarray(0, 6))).toEqual([10, 10, 10, 200, 200, 200]);
    const rgba = await sharp(Buffer.from([255, 0, 0, 0, 0, 255, 0, 128]), { raw: { width: 2, height: 1, channels: 4 } }).png().toBuffer();
    const a = await decodeImageBytes(rgba, 'rgba.png');
    // alpha is dropped without compositing, as cv2.IMREAD_COLOR
    expect(Array.from(a.data)).toEqual([255, 0, 0, 0, 255, 0]);
    const cmyk = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 40, b: 40 } } }).toColourspace('cmyk').jpeg().toBuffer();
    const c = await decodeImageBytes(cmyk, 'cmyk.jpg');
    expect(c.channels).toBe(3);
    expect(c.data[0]).toBeGreaterThan(150);
    expect(c.data[1]).toBeLessThan(100);
  });
  it('EXIF orientation is ignored (the stored pixel grid is kept)', async () => {
    const jpg = await sharp({ create: { width: 6, height: 2, channels: 3, background: { r: 0, g: 0, b: 0 } } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const d = await decodeImageBytes(jpg, 'rot.jpg');
    expect([d.height, d.width]).toEqual([2, 6]);
  });
});
