export { MilaBackbone } from './backbone.js';
export { MilaClassifier } from './classifier.js';
export { MilaTrunk } from './trunk.js';
export { milaConfig, milaConfigOfEntry, parseMilaModelArg, validateMilaConfig, dropPathRates, stageChannels, MILA_PRESETS, MILA_DEFAULTS, type MilaConfig, type MilaPresetName, type MilaBackboneConfig } from './config.js';
export { clearRopeCache, ropeAngles, ropeRotations } from './rope.js';
