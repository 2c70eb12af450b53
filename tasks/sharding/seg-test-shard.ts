import path from 'node:path';
import type { JsonValue } from '../../configs/types.js';
import type { SegSplitItem } from '../../datasets/ade20k/ade20k-split.js';
import type { MIoUTotals } from '../../eval/miou/index.js';
import { sha256 } from './hashes.js';
import type { ShardOutput } from './shard-output.js';

/**
 * The end of `mila seg-test --shard`: the per-class pixel counts go into the manifest, with the label maps (in
 * --out-dir, as one run writes them) and overlays listed so `mila merge` can check they are all there.
 * `run` holds the options that change the numbers (data root, mode, views, ...). Returns the line to print.
 */
export function finishSegTestShard(
  output: ShardOutput,
  a: { all: readonly SegSplitItem[]; start: number; end: number; totals: MIoUTotals; classNames: readonly string[] | null; showDir: string | null; run: Record<string, unknown> },
): string {
  const items = a.all.slice(a.start, a.end);
  const range = { total: a.all.length, start: a.start, end: a.end, listSha256: sha256(JSON.stringify(a.all.map((it) => it.name))) };
  const outputs = items.map((it) => path.join(output.dir, `${it.name}.png`));
  if (a.showDir) outputs.push(...items.map((it) => path.join(a.showDir!, `${it.name}.jpg`)));
  const run = JSON.parse(JSON.stringify({ ...a.run, labelDir: output.dir, showDir: a.showDir })) as Record<string, JsonValue>;
  output.finish({ run, range, result: { kind: 'miou', classNames: a.classNames ? [...a.classNames] : null, names: items.map((it) => it.name), totals: a.totals }, outputs });
  return output.doneLine(items.length, range);
}
