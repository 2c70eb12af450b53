export { readPth } from './pth.js';
export { readSafetensors, readSafetensorsFile, writeSafetensors, encodeSafetensors, type SafetensorsFile } from './safetensors.js';
export { loadCheckpoint } from './load.js';
export { stripPrefix, addPrefix, mergeStateDicts } from './state-dict.js';
export { saveTrainingCheckpoint, loadTrainingCheckpoint, loadTrainingCheckpointModel, trainingCheckpointPaths, type TrainingCheckpoint } from './training-checkpoint.js';
export { writeFileAtomic } from './atomic-write.js';
export { loadCheckpointsInto, formatLoadReport, type CheckpointLoadReport } from './load-into.js';
export { readNchwAsNhwc, toTorchHost } from './nchw-io.js';
