/**
 * The built-in components register themselves (core/registry.ts) when their module loads; the model builders
 * import this file so that every `type` the presets name is known before a config is built. A component of
 * your own registers the same way from a module the config's `customImports` (or `--import`) names.
 */
import '../backbones/mila/backbone.js';
import '../backbones/tiny-conv.js';
import '../necks/fpn.js';
import '../heads/det/rpn-head.js';
import '../heads/det/roi/standard-roi-head.js';
import '../heads/seg/uper-head.js';
import '../heads/seg/fcn-head.js';
