/**
 * The config registry. Each preset file registers its configs when imported; adding a file is one line here.
 * No file access here (the browser entry uses it); `resolveConfig` (names or JSON files) is in config-file.ts.
 */
// Preset files, one import each (e.g. `import './mask-rcnn.js';`):
import './mask-rcnn.js';
import './upernet.js';
import './main-job.js';

export { registerConfigs, configNames, getConfig, checkConfigShape } from './registry.js';
export { applyOverrides, parseOverrideValue, keyPaths } from './overrides.js';
export * from './types.js';
