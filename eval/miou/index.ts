/** The mIoU evaluator (mmsegmentation's mean_iou, streaming) and its printed tables. */
export { MIoUAccumulator, nanMean, type MIoUOptions, type MIoUResult } from './accumulator.js';
export { formatClassTable, formatSummaryTable, formatMIoUReport, prettyTable } from './table.js';
/** Label PNGs as the evaluator reads them (stored values, never colours): the reader the datasets use too. */
export { readLabelPngFile as readLabelPng, type LabelImage as LabelMap } from '../../core/io/label-png.js';
