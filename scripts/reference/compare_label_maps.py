"""Compare two folders of 8-bit label PNGs (`mila seg-test --out-dir A` and the official mmseg test's OUT/ from
../shared/mmref/official_test.py), file by file: pixels that agree, images that agree entirely.

usage: compare_label_maps.py OURS_DIR OFFICIAL_DIR      (exit 1 unless every pixel agrees)
"""
import os
import sys

import numpy as np
from PIL import Image


def main():
    ours, theirs = sys.argv[1], sys.argv[2]
    names = sorted(n for n in os.listdir(theirs) if n.endswith('.png'))
    missing = [n for n in names if not os.path.exists(os.path.join(ours, n))]
    same = total = whole = 0
    worst = (1.0, '')
    for n in names:
        if n in missing:
            continue
        a = np.asarray(Image.open(os.path.join(ours, n)))
        b = np.asarray(Image.open(os.path.join(theirs, n)))
        if a.shape != b.shape:
            print(f'{n}: shapes differ {a.shape} {b.shape}')
            worst = (0.0, n)
            continue
        eq = int((a == b).sum())
        same += eq
        total += a.size
        whole += eq == a.size
        worst = min(worst, (eq / a.size, n))
    print(f'{len(names)} label maps: {same}/{total} pixels agree ({100 * same / max(total, 1):.4f}%), '
          f'{whole} maps identical; lowest agreement {100 * worst[0]:.4f}% ({worst[1]}); missing in ours: {len(missing)}')
    sys.exit(0 if same == total and not missing else 1)


if __name__ == '__main__':
    main()
