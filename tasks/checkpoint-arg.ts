import { fetchZooCheckpoint } from '../core/zoo/index.js';
import { Progress } from '../train/progress.js';

export const ZOO_PREFIX = 'zoo:';

/** The zoo name of a `zoo:<name>` argument, else undefined. */
export function zooName(arg: string): string | undefined {
  return arg.startsWith(ZOO_PREFIX) ? arg.slice(ZOO_PREFIX.length) : undefined;
}

/**
 * A checkpoint as the CLI and `loadDetector`/`loadSegmentor` take it: a path (returned as it is), or
 * `zoo:<name>`, fetched into the cache on first use with a progress bar on stderr (a line per start and end
 * where stderr is not a terminal) and checked against its download record later.
 */
export async function resolveCheckpointArg(arg: string, opts: { progress?: boolean } = {}): Promise<string> {
  const name = zooName(arg);
  if (name === undefined) return arg;
  let bar: Progress | undefined;
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  try {
    return await fetchZooCheckpoint(name, {
      onDownload: (url, file) => process.stderr.write(`mila: downloading ${arg} from ${url} to ${file}\n`),
      onProgress: (received, total) => {
        bar ??= new Progress(arg, mb(total ?? 0), { unit: 'MB', enabled: opts.progress ?? true });
        bar.update(mb(received), total === undefined ? `${mb(received)} MB` : '');
      },
    });
  } finally {
    bar?.stop();
  }
}
