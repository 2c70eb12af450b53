import cliProgress from 'cli-progress';

/**
 * A progress bar with log lines printed above it (cli-progress MultiBar) on a terminal; on a pipe or file
 * the bar is skipped and log lines are written as they come, so logs stay readable.
 */
export class Progress {
  private readonly multi: cliProgress.MultiBar | null;
  private readonly bar: cliProgress.SingleBar | null;
  private readonly stream: NodeJS.WriteStream;
  private readonly write: (line: string) => void;

  /** `write` receives log lines when no bar is drawn (default: the stream). */
  constructor(label: string, total: number, opts: { stream?: NodeJS.WriteStream; enabled?: boolean; unit?: string; write?: (line: string) => void } = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.write = opts.write ?? ((line) => this.stream.write(`${line}\n`));
    const enabled = (opts.enabled ?? true) && this.stream.isTTY === true;
    if (!enabled) {
      this.multi = null;
      this.bar = null;
      return;
    }
    this.multi = new cliProgress.MultiBar(
      {
        stream: this.stream,
        format: `${label} {bar} {value}/{total} ${opts.unit ?? ''} | {info} | ETA {eta_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multi.create(total, 0, { info: '' });
  }

  update(value: number, info = ''): void {
    this.bar?.update(value, { info });
  }

  log(line: string): void {
    if (this.multi) this.multi.log(`${line}\n`);
    else this.write(line);
  }

  stop(): void {
    this.multi?.stop();
  }
}

/** Seconds as h:mm:ss (mmcv's ETA format). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
