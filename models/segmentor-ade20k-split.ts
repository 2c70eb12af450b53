import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../cli/errors.js';

/** One image of an ADE20K-format split and its annotation PNG. */
export interface SegSplitItem {
  name: string;
  image: string;
  annotation: string;
}

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/**
 * The images of `<root>/images/<split>` paired by file stem with `<root>/annotations/<split>/<stem>.png`
 * (the ADEChallengeData2016 layout mmseg's ADE20KDataset reads), sorted by name as mmseg lists them.
 */
export function listAde20kSplit(root: string, split: string): SegSplitItem[] {
  const imgDir = path.join(root, 'images', split);
  const annDir = path.join(root, 'annotations', split);
  for (const [dir, what] of [[imgDir, 'image'], [annDir, 'annotation']] as const) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UserError(`${dir}: no ${what} folder (expected the ADEChallengeData2016 layout: images/${split}, annotations/${split})`);
    }
  }
  const items = readdirSync(imgDir)
    .filter((f) => IMAGE_EXT.test(f))
    .sort()
    .map((f) => {
      const stem = f.replace(IMAGE_EXT, '');
      const annotation = path.join(annDir, `${stem}.png`);
      if (!existsSync(annotation)) throw new UserError(`${annotation}: annotation missing for image ${path.join(imgDir, f)}`);
      return { name: stem, image: path.join(imgDir, f), annotation };
    });
  if (items.length === 0) throw new UserError(`${imgDir}: no .jpg/.png images`);
  return items;
}
