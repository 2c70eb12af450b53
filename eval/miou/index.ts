/** The mIoU evaluator (mmsegmentation's mean_iou, streaming) and its printed tables. */
export { MIoUAccumulator, nanMean, type MIoUOptions, type MIoUResult } from './accumulator.js';
export { formatClassTable, formatSummaryTable, formatMIoUReport, prettyTable } from './table.js';
export { readLabelPng } from './label-png.js';
