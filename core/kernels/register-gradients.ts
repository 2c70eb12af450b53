import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { installLeanGradientSaves } from './lean-saves.js';

/**
 * tfjs-core registers no gradient functions by itself: the `@tensorflow/tfjs` umbrella package does it
 * by importing `@tensorflow/tfjs-core/dist/register_all_gradients`, and we depend on tfjs-core alone.
 * Those files are ES modules whose relative imports omit the `.js` extension, which Node's ESM loader
 * refuses; a resolve hook scoped to tfjs-core's dist folder adds it. The modules load as a second copy
 * of tfjs-core's sources, which tfjs supports: engine, kernel and gradient registries are process
 * globals shared by every copy. Loading costs about a second, so it is done once, and only by code that
 * takes gradients (training, gradient tests, the training benchmark).
 */
const RESOLVE_HOOK = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent && parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    return { url: new URL(specifier + '.js', parent).href, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}`;

let loading: Promise<void> | undefined;

/**
 * Register every tfjs-core gradient function, with our leaner saves for the backward pass (lean-saves.ts).
 * Idempotent; resolves once they are registered.
 */
export function registerAllGradients(): Promise<void> {
  loading ??= (async () => {
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    // Imported through a data: URL so that Node's own loader handles the graph: TypeScript never sees
    // it, and test runners do not transform its ~400 files one by one (vitest: 10 s instead of 1 s).
    const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await import(`data:text/javascript,import ${JSON.stringify(pathToFileURL(entry).href)};`);
    installLeanGradientSaves();
  })();
  return loading;
}
