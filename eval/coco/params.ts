/** COCOeval's default parameters (pycocotools' Params.setDetParams). */

export type IouType = 'bbox' | 'segm';

/**
 * numpy.linspace(start, stop, num) value for value: i * step + start, with the last value set to
 * `stop`. The IoU thresholds depend on it (the 9th is 0.8999999999999999, not 0.9), and so does which
 * recall threshold a recall reaches.
 */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i * step + start);
  if (num > 1) out[num - 1] = stop;
  return out;
}

export class Params {
  iouType: IouType;
  /** Images to evaluate; COCOeval fills in all ground-truth image ids, sorted. */
  imgIds: number[] = [];
  /** Categories to evaluate; COCOeval fills in all ground-truth category ids, sorted. */
  catIds: number[] = [];
  /** np.linspace(.5, .95, 10). */
  iouThrs: number[] = linspace(0.5, 0.95, 10);
  /** np.linspace(0, 1, 101). */
  recThrs: number[] = linspace(0, 1, 101);
  maxDets: number[] = [1, 10, 100];
  /** Inclusive [min, max] object areas: all, small, medium, large. */
  areaRng: [number, number][] = [
    [0, 1e10],
    [0, 32 ** 2],
    [32 ** 2, 96 ** 2],
    [96 ** 2, 1e10],
  ];
  areaRngLbl: string[] = ['all', 'small', 'medium', 'large'];
  /** false: categories are ignored (every detection may match every ground truth), as proposal scoring. */
  useCats = true;

  constructor(iouType: IouType = 'segm') {
    if (iouType !== 'bbox' && iouType !== 'segm') {
      throw new Error(`iouType "${String(iouType)}" is not supported (bbox or segm; keypoints are not implemented)`);
    }
    this.iouType = iouType;
  }

  clone(): Params {
    const p = new Params(this.iouType);
    p.imgIds = [...this.imgIds];
    p.catIds = [...this.catIds];
    p.iouThrs = [...this.iouThrs];
    p.recThrs = [...this.recThrs];
    p.maxDets = [...this.maxDets];
    p.areaRng = this.areaRng.map((r) => [r[0], r[1]] as [number, number]);
    p.areaRngLbl = [...this.areaRngLbl];
    p.useCats = this.useCats;
    return p;
  }
}
