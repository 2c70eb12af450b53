import { UserError } from '../core/errors.js';
import { TensorMemoryError, formatBytes } from '../core/native-backend/tensor-memory.js';

/** What a training step was doing when memory ran out, for the message. */
export interface StepMemoryContext {
  config: string;
  iteration: number;
  backend: string;
  /** The batch's image tensor shape [n, h, w, c], when the batch has one. */
  batchShape?: readonly number[];
  useCheckpoint: boolean;
}

/**
 * How each backend reports running out of memory: our native backend's TensorMemoryError, wasm's trap on its
 * 4 GB heap (`memory access out of bounds`, `Aborted()`, emscripten's OOM), V8's failed ArrayBuffer allocation.
 */
export function isOutOfMemory(err: unknown): boolean {
  if (err instanceof TensorMemoryError) return true;
  if (!(err instanceof Error)) return false;
  return /memory access out of bounds|^Aborted\(|Cannot enlarge memory|out of memory|Array buffer allocation failed/i.test(err.message);
}

/**
 * The one-line UserError for a step that ran out of memory: config, iteration, batch and image size, what was
 * needed against what was available, and the settings that would fit. Any other error is returned unchanged.
 */
export function outOfMemoryError(err: unknown, ctx: StepMemoryContext): unknown {
  if (!isOutOfMemory(err)) return err;
  const [n, h, w] = ctx.batchShape ?? [];
  const batch = n !== undefined ? `batch ${n} of ${w}x${h} images` : 'its batch';
  const need =
    err instanceof TensorMemoryError
      ? `${formatBytes(err.requestedBytes)} more needed with ${formatBytes(err.inUseBytes)} in use, ${formatBytes(err.availableBytes)} available`
      : ctx.backend === 'wasm'
        ? "more than the wasm backend's 4 GB heap needed"
        : 'more memory needed than the process could get';
  const fits = [
    ...(ctx.useCheckpoint ? [] : ['model.backbone.useCheckpoint=true']),
    ...(n !== undefined && n > 1 ? ['data.samplesPerGpu=1'] : []),
    'a smaller image scale',
    ...(ctx.backend === 'wasm' ? ["the native backend (--backend native; its addon: npm rebuild mila-dense), bounded by the machine's RAM"] : []),
  ];
  return new UserError(
    `${ctx.config}: out of memory in training iteration ${ctx.iteration} (${batch}, backend ${ctx.backend}): ${need}; ` +
      `what would fit: ${fits.join(', ')}. No checkpoint was written for this iteration.`,
    { cause: err },
  );
}
