import { existsSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import { Ade20kDataset } from './ade20k-dataset.js';

/** One image of an ADE20K-format split and its annotation PNG. */
export interface SegSplitItem {
  name: string;
  image: string;
  annotation: string;
}

/**
 * The images of `<root>/images/<split>` with their `<root>/annotations/<split>/<stem>.png`, listed by the
 * datasets module's ADE20KDataset (mmseg's order); every annotation must exist.
 */
export function listAde20kSplit(root: string, split: string): SegSplitItem[] {
  if (split !== 'training' && split !== 'validation') throw new UserError(`ADE20K split must be training or validation, got '${split}'`);
  const dataset = new Ade20kDataset({ root, split });
  return dataset.names.map((name, i) => {
    const annotation = dataset.labelPath(i);
    if (!existsSync(annotation)) throw new UserError(`${annotation}: annotation missing for image ${dataset.imagePath(i)}`);
    return { name, image: dataset.imagePath(i), annotation };
  });
}
