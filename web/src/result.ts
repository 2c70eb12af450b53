import type { BrowserBackendInfo, Prediction } from '../../browser/index.js';

/** What a run leaves on `window.__milaResult` for the browser test and the benchmark (plain JSON). */
export type PageResult =
  | {
      ok: true;
      task: 'detection' | 'segmentation';
      config: string;
      backend: string;
      backendDescription: string;
      timings: Record<string, number>;
      /** Detections, as in Node's DetectionResult; masks as base64 bytes (count x height x width, 0/1). */
      detections?: { boxes: number[]; scores: number[]; labels: number[]; masks: string | null; height: number; width: number; shown: number };
      /** The label map, row-major, base64 bytes. */
      labelMap?: { data: string; height: number; width: number };
    }
  | { ok: false; error: string };

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function resultSummary(p: Prediction, run: { backend: BrowserBackendInfo; config: string; timings: Record<string, number>; shown: number }): PageResult {
  const base = { ok: true as const, task: p.task, config: run.config, backend: run.backend.name, backendDescription: run.backend.description, timings: run.timings };
  if (p.task === 'segmentation') return { ...base, labelMap: { data: base64(p.labels), height: p.height, width: p.width } };
  const r = p.result;
  return {
    ...base,
    detections: {
      boxes: [...r.boxes],
      scores: [...r.scores],
      labels: [...r.labels],
      masks: r.masks ? base64(r.masks.data) : null,
      height: r.masks?.height ?? 0,
      width: r.masks?.width ?? 0,
      shown: run.shown,
    },
  };
}
