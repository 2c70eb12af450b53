"""Compare two sets of COCO detection results (`mila test --out X.json` -> X.bbox.json / X.segm.json, and the
official mmdet test's OUT.bbox.json / OUT.segm.json from ../shared/mmref/official_test.py).

Detections are paired per image and category: each official one (by descending score) with the unpaired one of ours
whose box is closest among those within 1e-3 in score. Prints the largest box difference (x1, y1, x2, y2 in pixels),
the largest score difference, the mask pixels that differ, and the detections left unpaired.

usage: compare_detections.py OURS_PREFIX OFFICIAL_PREFIX [--box-tol 1e-2] [--score-tol 1e-4]   (exit 1 beyond the tolerances)
"""
import argparse
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmref_env  # noqa: E402,F401  (pycocotools path)


def load(prefix, kind):
    path = f'{prefix}.{kind}.json'
    return json.load(open(path)) if os.path.exists(path) else None


def xyxy(b):
    return [b[0], b[1], b[0] + b[2], b[1] + b[3]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('ours')
    ap.add_argument('official')
    ap.add_argument('--box-tol', type=float, default=1e-2)
    ap.add_argument('--score-tol', type=float, default=1e-4)
    a = ap.parse_args()
    sys.path.insert(0, os.environ['PYCOCOTOOLS_DIR'])
    from pycocotools import mask as mask_utils
    import numpy as np

    ours_b, theirs_b = load(a.ours, 'bbox'), load(a.official, 'bbox')
    ours_s, theirs_s = load(a.ours, 'segm'), load(a.official, 'segm')
    # bbox and segm lists are written in the same order by both tools: index i of one is detection i of the other.
    def group(dets, segms):
        g = defaultdict(list)
        for i, d in enumerate(dets):
            g[(d['image_id'], d['category_id'])].append((d, segms[i] if segms else None))
        return g
    go, gt = group(ours_b, ours_s), group(theirs_b, theirs_s)
    box_max = score_max = 0.0
    mask_px = mask_total = 0
    paired = 0
    unpaired_o, unpaired_t = [], []
    for key in sorted(set(go) | set(gt)):
        mine = list(go.get(key, []))
        for d, s in sorted(gt.get(key, []), key=lambda x: -x[0]['score']):
            cands = [(i, m) for i, m in enumerate(mine) if abs(m[0]['score'] - d['score']) <= 1e-3]
            if not cands:
                unpaired_t.append(d)
                continue
            i, (m, ms) = min(cands, key=lambda c: max(abs(p - q) for p, q in zip(xyxy(c[1][0]['bbox']), xyxy(d['bbox']))))
            mine.pop(i)
            paired += 1
            box_max = max(box_max, max(abs(p - q) for p, q in zip(xyxy(m['bbox']), xyxy(d['bbox']))))
            score_max = max(score_max, abs(m['score'] - d['score']))
            if s is not None and ms is not None:
                mo, mt = mask_utils.decode(ms['segmentation']), mask_utils.decode(s['segmentation'])
                mask_px += int(np.count_nonzero(mo != mt))
                mask_total += int(max(mo.sum(), mt.sum()))
        unpaired_o.extend(m for m, _ in mine)
    images = len({d['image_id'] for d in theirs_b} | {d['image_id'] for d in ours_b})
    print(f'{images} images: {len(ours_b)} detections ours, {len(theirs_b)} official, {paired} paired (same image, label, score within 1e-3)')
    print(f'  max |box difference| {box_max:.3g} px (tolerance {a.box_tol}), max |score difference| {score_max:.3g} (tolerance {a.score_tol})')
    if ours_s and theirs_s:
        print(f'  masks: {mask_px} pixels differ over {mask_total} mask pixels of the paired detections')
    for name, lst in (('ours only', unpaired_o), ('official only', unpaired_t)):
        if lst:
            scores = ', '.join('%.5f' % d['score'] for d in lst[:8])
            print(f'  {name}: {len(lst)} (scores {scores})')
    ok = box_max <= a.box_tol and score_max <= a.score_tol and not unpaired_o and not unpaired_t
    print('OK' if ok else 'DIFFERENT')
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
