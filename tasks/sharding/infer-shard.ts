import type { JsonValue } from '../../configs/types.js';
import { sha256 } from './hashes.js';
import type { InferImageRecord } from './manifest.js';
import type { ShardOutput } from './shard-output.js';

/**
 * The end of `mila infer --shard`: the drawings are in --out-dir already; the manifest lists them with the line
 * one run prints per image, so `mila merge` checks them and prints those lines in order. Returns the line to print.
 */
export function finishInferShard(output: ShardOutput, a: { all: readonly string[]; start: number; end: number; written: readonly InferImageRecord[]; run: Record<string, JsonValue> }): string {
  const range = { total: a.all.length, start: a.start, end: a.end, listSha256: sha256(JSON.stringify(a.all)) };
  const images = a.written.map(({ image, out, drawn, total }) => ({ image, out, drawn, total }));
  output.finish({ run: a.run, range, result: { kind: 'drawings', images }, outputs: images.map((w) => w.out) });
  return output.doneLine(images.length, range);
}
