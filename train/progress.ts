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
  /** Without a bar: a plain progress line at most this often (ms), and at the end; null = none. */
  private readonly lineEveryMs: number | null;
  private lastLine = -Infinity;

  /**
   * `write` receives log lines when no bar is drawn (default: the stream). `lineEverySeconds`: where no bar can
   * be drawn (a pipe, a cluster job's log), write `label value/total unit | info` lines that often and at the end.
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly opts: { stream?: NodeJS.WriteStream; enabled?: boolean; unit?: string; write?: (line: string) => void; lineEverySeconds?: number } = {},
  ) {
    this.stream = opts.stream ?? process.stderr;
    this.write = opts.write ?? ((line) => this.stream.write(`${line}\n`));
    const enabled = (opts.enabled ?? true) && this.stream.isTTY === true;
    this.lineEveryMs = !enabled && (opts.enabled ?? true) && opts.lineEverySeconds !== undefined ? opts.lineEverySeconds * 1000 : null;
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
    if (this.lineEveryMs !== null && (value >= this.total || performance.now() - this.lastLine >= this.lineEveryMs)) {
      this.lastLine = performance.now();
      this.write(`${this.label} ${value}/${this.total}${this.opts.unit ? ` ${this.opts.unit}` : ''}${info ? ` | ${info}` : ''}`);
    }
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
