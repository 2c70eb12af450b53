import * as tf from '@tensorflow/tfjs-core';
import { cpuClockMs } from './timing.js';

export interface KernelStats {
  calls: number;
  ms: number;
}

/**
 * Per-kernel CPU time of one run: every kernel of the backend is wrapped with a timer for the run's
 * duration (nested kernels count in their caller too, so rows can add up to more than the run).
 * CPU time, not wall time, so the profile stays readable on a shared, busy machine.
 */
export function profileKernelsByCpuTime(backendName: string, run: () => void): Map<string, KernelStats> {
  const stats = new Map<string, KernelStats>();
  const configs = tf.getKernelsForBackend(backendName);
  for (const cfg of configs) {
    const inner = cfg.kernelFunc;
    tf.unregisterKernel(cfg.kernelName, backendName);
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        const t0 = cpuClockMs();
        try {
          return inner(args);
        } finally {
          const s = stats.get(cfg.kernelName) ?? { calls: 0, ms: 0 };
          s.calls += 1;
          s.ms += cpuClockMs() - t0;
          stats.set(cfg.kernelName, s);
        }
      },
    });
  }
  try {
    run();
  } finally {
    for (const cfg of configs) {
      tf.unregisterKernel(cfg.kernelName, backendName);
      tf.registerKernel(cfg);
    }
  }
  return stats;
}
