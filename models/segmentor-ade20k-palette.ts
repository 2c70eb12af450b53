/** ADE20K class names and colours: the datasets module's (mmseg ADE20KDataset order), re-exported for the segmentor code. */
export { ADE20K_CLASSES, ADE20K_PALETTE } from '../datasets/ade20k/ade20k-classes.js';
