import type { BenchEntry } from '../entry.js';
import { MILA_FORWARD_ENTRIES } from './mila-forward.js';
import { MILA_TRAIN_STEP_ENTRY } from './mila-train-step.js';
import { BLOCK_ENTRIES } from './blocks.js';
import { MASK_RCNN_ENTRY } from './mask-rcnn.js';
import { UPERNET_ENTRY } from './upernet.js';
import { UPERNET_TRAIN_STEP_ENTRY } from './upernet-train-step.js';
import { MASK_RCNN_TRAIN_STEP_ENTRY } from './mask-rcnn-train-step.js';
import { RPN_ASSIGN_ENTRY } from './rpn-assign.js';

/** Every benchmark entry, in the order `npm run bench` runs them (issue 7's list). */
export const BENCH_ENTRIES: readonly BenchEntry[] = [
  ...MILA_FORWARD_ENTRIES,
  MILA_TRAIN_STEP_ENTRY,
  ...BLOCK_ENTRIES,
  MASK_RCNN_ENTRY,
  UPERNET_ENTRY,
  UPERNET_TRAIN_STEP_ENTRY,
  MASK_RCNN_TRAIN_STEP_ENTRY,
  RPN_ASSIGN_ENTRY,
];
