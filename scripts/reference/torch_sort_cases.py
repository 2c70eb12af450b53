"""Expected permutations of torch's CPU sort(descending=True) for test/detection/torch-sort.test.ts.

usage: /usr/bin/python3 scripts/reference/torch_sort_cases.py ANTIQSORT_300.json OUT.json
  ANTIQSORT_300.json: `node scripts/reference/antiqsort.mjs 300 ANTIQSORT_300.json` (heap-sort fallback case)
Writes [{"name", "values", "order"}]: float32 values with many ties and torch 1.13's indices for them.
"""
import json, sys

import torch


def lcg(seed, n, k):
    out, s = [], seed
    for _ in range(n):
        s = (s * 1103515245 + 12345) % 2147483648
        out.append((s >> 8) % k)
    return out


def main():
    adversarial, out = sys.argv[1], sys.argv[2]
    cases = [(f'lcg n={n} k={k}', [v / 4 for v in lcg(seed, n, k)]) for seed, n, k in [(1, 17, 3), (3, 100, 5), (4, 1000, 7), (8, 257, 1)]]
    cases.append(('antiqsort n=300 (heap-sort fallback)', json.load(open(adversarial))))
    res = []
    for name, values in cases:
        t = torch.tensor(values, dtype=torch.float32)
        res.append(dict(name=name, values=t.tolist(), order=t.sort(descending=True)[1].tolist()))
    json.dump(res, open(out, 'w'), separators=(',', ':'))
    print(f'torch {torch.__version__}: {out}, {len(res)} cases')


if __name__ == '__main__':
    main()
