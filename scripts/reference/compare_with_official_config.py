"""Load an official MLLA config and an exported one with mmcv's Config.fromfile (the official one merged with its
_base_ files) and print every key that differs, is only in one, or has another type (tuple vs list, int vs float).

usage: compare_with_official_config.py det|seg OFFICIAL.py EXPORTED.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmref_env  # noqa: E402


def walk(x, y, path, out):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x:
                out.append(f'only exported  {path}.{k} = {y[k]!r}'[:160])
            elif k not in y:
                out.append(f'only official  {path}.{k} = {x[k]!r}'[:160])
            else:
                walk(x[k], y[k], f'{path}.{k}', out)
    elif isinstance(x, (list, tuple)) and type(x) == type(y) and len(x) == len(y):
        for i, (p, q) in enumerate(zip(x, y)):
            walk(p, q, f'{path}[{i}]', out)
    elif x != y or type(x) != type(y):
        out.append(f'differs        {path}: official {x!r} ({type(x).__name__}), exported {y!r} ({type(y).__name__})'[:200])


def main():
    kind, official, exported = sys.argv[1:4]
    mmref_env.setup(kind)
    from mmcv import Config
    out = []
    walk(Config.fromfile(official)._cfg_dict.to_dict(), Config.fromfile(exported)._cfg_dict.to_dict(), 'cfg', out)
    print(f'{os.path.basename(exported)} vs {os.path.basename(official)}: {len(out)} differences')
    for line in out:
        print('  ' + line)


if __name__ == '__main__':
    main()
