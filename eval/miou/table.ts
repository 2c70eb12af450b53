/** mmsegmentation's printed per-class and summary tables (PrettyTable, values np.round(100 * x, 2)). */
import { npRound, pyRepr } from '../numeric/python-format.js';
import type { MIoUResult } from './accumulator.js';

/** PrettyTable's centring: odd leftover space goes right for odd-length text, left for even. */
function center(text: string, width: number): string {
  const excess = width - text.length;
  const half = Math.floor(excess / 2);
  if (excess % 2 === 0) return ' '.repeat(half) + text + ' '.repeat(half);
  return text.length % 2 ? ' '.repeat(half) + text + ' '.repeat(half + 1) : ' '.repeat(half + 1) + text + ' '.repeat(half);
}

/** A PrettyTable with default style: centred cells, one space of padding, +---+ rules. */
export function prettyTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: string[]) => '|' + cells.map((c, j) => ` ${center(c, widths[j]!)} `).join('|') + '|';
  return [rule, line(header), rule, ...rows.map(line), rule].join('\n');
}

const pct = (x: number): string => pyRepr(npRound(x * 100, 2));

/** "per class results" table: Class, IoU, Acc in percent with 2 decimals ("nan" where undefined). */
export function formatClassTable(r: MIoUResult, classNames?: readonly string[]): string {
  const rows = r.IoU.map((iou, c) => [classNames?.[c] ?? String(c), pct(iou), pct(r.Acc[c]!)]);
  return prettyTable(['Class', 'IoU', 'Acc'], rows);
}

/** "Summary" table: aAcc, mIoU, mAcc in percent. */
export function formatSummaryTable(r: MIoUResult): string {
  return prettyTable(['aAcc', 'mIoU', 'mAcc'], [[pct(r.aAcc), pct(r.mIoU), pct(r.mAcc)]]);
}

/** Both tables as mmseg logs them after an evaluation. */
export function formatMIoUReport(r: MIoUResult, classNames?: readonly string[]): string {
  return `per class results:\n\n${formatClassTable(r, classNames)}\nSummary:\n\n${formatSummaryTable(r)}`;
}
