import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { UserError } from '../errors.js';

/**
 * Label PNGs as mmseg reads them (pillow, flag 'unchanged'): the stored 8-bit value of each pixel,
 * the grey level or the palette index, never a colour. pngjs' public reader expands palettes to
 * RGBA, so we drive its chunk parser, inflater, unfilter and bitmapper ourselves and stop before
 * its colour normalisation.
 *
 * In core because the datasets (ADE20K labels) and the mIoU evaluator (`mila seg-eval`) read the same files and
 * neither may import the other; `core/io/` holds such Node-only file codecs (pngjs, node:zlib), apart from the
 * code a model needs to run on bytes in memory.
 */
const require = createRequire(import.meta.url);
const PngParser = require('pngjs/lib/parser.js') as new (options: object, deps: object) => { start(): void };
const SyncReader = require('pngjs/lib/sync-reader.js') as new (buf: Buffer) => { read(n: number, cb: (d: Buffer) => void): void; process(): void };
const inflateSync = require('pngjs/lib/sync-inflate.js') as (buf: Buffer, opts: object) => Buffer;
const filterSync = require('pngjs/lib/filter-parse-sync.js') as { process(buf: Buffer, meta: object): Buffer };
const bitmapper = require('pngjs/lib/bitmapper.js') as { dataToBitMap(buf: Buffer, meta: object): Uint8Array };
const zlib = require('node:zlib') as typeof import('node:zlib');

interface PngMeta {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlace: boolean;
  bpp: number;
}

export interface LabelImage {
  data: Uint8Array;
  height: number;
  width: number;
}

export function readLabelPngFile(path: string): LabelImage {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `label file not found: ${path}` : `cannot read label file ${path}: ${(err as Error).message}`);
  }
  try {
    return decodeLabelPng(buf);
  } catch (err) {
    throw new UserError(`cannot decode label PNG ${path}: ${(err as Error).message}`);
  }
}

export function decodeLabelPng(buf: Buffer): LabelImage {
  let meta: PngMeta | undefined;
  let error: Error | undefined;
  const chunks: Buffer[] = [];
  const reader = new SyncReader(buf);
  const parser = new PngParser(
    {},
    {
      read: reader.read.bind(reader),
      error: (e: Error) => (error = e),
      metadata: (m: PngMeta) => (meta = m),
      gamma: () => {},
      palette: () => {},
      transColor: () => {},
      inflateData: (d: Buffer) => chunks.push(d),
      simpleTransparency: () => {},
    },
  );
  parser.start();
  reader.process();
  if (error) throw error;
  if (!meta) throw new Error('no IHDR chunk');
  if (meta.colorType !== 0 && meta.colorType !== 3) {
    throw new Error(`colour type ${meta.colorType} (RGB/alpha); label maps must be 8-bit grayscale or palette PNGs`);
  }
  if (meta.colorType === 0 && meta.depth !== 8) throw new Error(`${meta.depth}-bit grayscale; label maps must be 8-bit`);
  const deflated = Buffer.concat(chunks);
  const rowSize = ((meta.width * meta.bpp * meta.depth + 7) >> 3) + 1;
  const inflated = meta.interlace ? zlib.inflateSync(deflated) : inflateSync(deflated, { chunkSize: rowSize * meta.height, maxLength: rowSize * meta.height });
  // The bitmapper writes one RGBA-shaped pixel per value with the raw value in channel 0.
  const rgba = bitmapper.dataToBitMap(filterSync.process(inflated, meta), meta);
  const n = meta.width * meta.height;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = rgba[i * 4]!;
  return { data, height: meta.height, width: meta.width };
}

/** Write an 8-bit grayscale PNG of label values. */
export function encodeLabelPng(data: Uint8Array, height: number, width: number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false, bitDepth: 8 });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.length);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
