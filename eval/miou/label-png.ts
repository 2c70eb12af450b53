/**
 * Label maps stored as PNG files. One reader serves the evaluator and the dataset: it returns the stored
 * value of each pixel (grey level or palette index, as mmcv's pillow backend with flag 'unchanged'),
 * never a colour, so palettes that repeat a colour keep their indices.
 */
export { readLabelPngFile as readLabelPng, type LabelImage as LabelMap } from '../../datasets/ade20k/label-png.js';
