/** Training: mmcv's runner (task-agnostic), AdamW as torch.optim.AdamW, mmcv's lr schedules and paramwise groups. */
export { Runner, type TrainData, type RunnerOptions, type RunResult, type EvalContext } from './runner.js';
export { AdamW, type AdamWHyper } from './adamw.js';
export { trainStep, type StepResult } from './train-step.js';
export { scheduledLr, regularLr, warmupLr, type ScheduleProgress } from './lr-schedule.js';
export { paramSettings, type ParamSetting } from './param-groups.js';
export { clipGradNorm } from './grad-clip.js';
export { loadExperiment, loadBackboneWeights, describeLoad } from './experiment.js';
export { loadModelWeights } from './model-weights.js';
export { registerAllGradients } from '../core/kernels/register-gradients.js';
export * from './hooks/index.js';
