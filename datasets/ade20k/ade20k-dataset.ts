import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { loadSegRecipe, type SegRecipe } from '../loader/sample-recipe.js';
import type { SegSample } from '../../core/types/data.js';
import { ADE20K_CLASSES, ADE20K_PALETTE } from './ade20k-classes.js';
import { readLabelPngFile } from '../../core/io/label-png.js';

export interface Ade20kOptions {
  /** The ADEChallengeData2016 folder. */
  root: string;
  split: 'training' | 'validation';
  /** mmseg's ADE20K default: true (0 -> 255, k -> k - 1). */
  reduceZeroLabel?: boolean;
  /** Load label maps (false for inference on images only). */
  withLabels?: boolean;
}

/**
 * mmseg 0.x ADE20KDataset: images/<split>/*.jpg paired by name with annotations/<split>/*.png,
 * files in sorted order, 150 classes.
 */
export class Ade20kDataset {
  readonly classNames = ADE20K_CLASSES;
  readonly palette = ADE20K_PALETTE;
  readonly names: string[];
  readonly imgDir: string;
  readonly annDir: string;

  constructor(readonly opts: Ade20kOptions) {
    this.imgDir = join(opts.root, 'images', opts.split);
    this.annDir = join(opts.root, 'annotations', opts.split);
    let files: string[];
    try {
      files = readdirSync(this.imgDir);
    } catch {
      throw new UserError(`ADE20K image folder not found: ${this.imgDir}`);
    }
    this.names = files.filter((f) => f.endsWith('.jpg')).map((f) => f.slice(0, -4)).sort();
    if (this.names.length === 0) throw new UserError(`no .jpg images in ${this.imgDir}`);
  }

  get length(): number {
    return this.names.length;
  }

  imagePath(i: number): string {
    return join(this.imgDir, `${this.names[i]}.jpg`);
  }

  labelPath(i: number): string {
    return join(this.annDir, `${this.names[i]}.png`);
  }

  /** Label values as stored in the PNG (0..150, 0 = other), before reduce_zero_label. */
  rawLabel(i: number): Uint8Array {
    return readLabelPngFile(this.labelPath(i)).data;
  }

  recipe(i: number): SegRecipe {
    return {
      kind: 'seg',
      imagePath: this.imagePath(i),
      imageId: i,
      labelPath: this.opts.withLabels === false ? null : this.labelPath(i),
      reduceZeroLabel: this.opts.reduceZeroLabel !== false,
    };
  }

  async get(i: number): Promise<SegSample> {
    return loadSegRecipe(this.recipe(i));
  }
}
