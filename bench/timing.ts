export interface Timing {
  medianMs: number;
  runs: number;
}

/**
 * Median wall time of `run` after `warmup` untimed runs: at least `minRuns` runs, and more (up to
 * `maxRuns`) while the total stays under `budgetMs`, so fast entries get steadier medians.
 */
export function timeRuns(run: () => void, opts: { warmup: number; minRuns: number; maxRuns: number; budgetMs: number; clock?: () => number }): Timing {
  const now = opts.clock ?? (() => performance.now());
  for (let i = 0; i < opts.warmup; i++) run();
  const times: number[] = [];
  let total = 0;
  while (times.length < opts.minRuns || (times.length < opts.maxRuns && total < opts.budgetMs)) {
    const t0 = now();
    run();
    const dt = now() - t0;
    times.push(dt);
    total += dt;
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const medianMs = times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2;
  return { medianMs, runs: times.length };
}

/** Milliseconds of CPU this process has used (all its threads): steadier than wall time on a busy machine. */
export function cpuClockMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
