/**
 * Host-side box operations shared by the RPN and the RoI head (mmdet 2.x semantics). Boxes are flat
 * Float32Arrays of n * 4 (x1, y1, x2, y2), no "+1" anywhere, and every value that feeds a decision (IoU,
 * NMS, deltas, clamps) is computed in float32 in torch's operation order.
 */
export { boxCount, boxAreas, boxOverlaps, alignedBoxOverlaps, type OverlapMode } from './box-overlaps.js';
export { DeltaXYWHBBoxCoder, DEFAULT_WH_RATIO_CLIP, type DeltaCoderOptions, type Quad } from './delta-xywh-coder.js';
export { MaxIoUAssigner, addGtToAssignResult, type AssignResult, type MaxIoUAssignerOptions } from './max-iou-assigner.js';
export { RandomSampler, gatherBoxes, type RandomSamplerOptions, type SamplingResult } from './random-sampler.js';
export { nms, batchedNms, type NmsOptions, type BatchedNmsOptions, type BatchedNmsResult } from './nms.js';
export { argsortDescending } from './torch-sort.js';
export { flipBoxes, mapBoxesBack, mapBoxesForward } from './box-mapping.js';
