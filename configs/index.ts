/**
 * The config registry. Each preset file registers its configs when imported; adding a file is one line here.
 */
// Preset files, one import each (e.g. `import './mask-rcnn.js';`):
import './mask-rcnn.js';
import './upernet.js';
import './main-job.js';

export { registerConfigs, configNames, getConfig, resolveConfig, checkConfigShape } from './registry.js';
export { applyOverrides, parseOverrideValue, keyPaths } from './overrides.js';
export * from './types.js';
