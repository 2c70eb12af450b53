"""Check an exported directory (config.py, model.pth, backbone.pth from `mila export`) against the official code:

- mmcv's Config.fromfile reads config.py and mmdet/mmseg build the model from it (MLLA backbone, heads);
- torch.load(weights_only=True) reads model.pth and backbone.pth;
- the state dict's keys, shapes and dtypes equal the official model's, and load_state_dict(strict=True) is clean;
- model.init_weights() (what tools/train.py calls) loads backbone.pth through the backbone's init_cfg with no
  missing or unexpected keys, and mmcv's load_checkpoint (what load_from does) loads model.pth strictly.

usage: check_export_keys.py det|seg DIR [DIR ...]      (one line per directory; exit 1 on any mismatch)
"""
import contextlib
import io
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmref_env  # noqa: E402


def check(kind, d):
    import torch
    from mmcv.runner import load_checkpoint
    cfg, model = mmref_env.build_official(kind, os.path.join(d, 'config.py'))
    ck = torch.load(os.path.join(d, 'model.pth'), map_location='cpu', weights_only=True)
    sd = ck['state_dict']
    ref = model.state_dict()
    problems = []
    missing = sorted(set(ref) - set(sd))
    unexpected = sorted(set(sd) - set(ref))
    if missing:
        problems.append(f'missing {len(missing)}: {missing[:5]}')
    if unexpected:
        problems.append(f'unexpected {len(unexpected)}: {unexpected[:5]}')
    for k in sorted(set(ref) & set(sd)):
        if ref[k].shape != sd[k].shape or ref[k].dtype != sd[k].dtype:
            problems.append(f'{k}: official {tuple(ref[k].shape)} {ref[k].dtype}, exported {tuple(sd[k].shape)} {sd[k].dtype}')
    if not problems:
        model.load_state_dict(sd, strict=True)
        bb = torch.load(os.path.join(d, 'backbone.pth'), map_location='cpu', weights_only=True)
        model.backbone.load_state_dict(bb, strict=True)
        # tools/train.py: model.init_weights() -> MLLA.init_weights() loads init_cfg.checkpoint (strict=False, prints
        # the missing/unexpected lists); then the runner's load_from.
        out = io.StringIO()
        logging.disable(logging.INFO)  # mmcv logs every parameter's initialiser
        with contextlib.redirect_stdout(out):
            model.init_weights()
        printed = out.getvalue()
        if 'missing keys: []' not in printed or 'unexpected keys: []' not in printed:
            problems.append(f'init_weights (backbone.pth through init_cfg): {printed.strip()[:300]}')
        load_checkpoint(model, cfg.load_from, map_location='cpu', strict=True)
        for k, v in model.state_dict().items():
            if not torch.equal(v, sd[k]):
                problems.append(f'{k} differs after load_from')
                break
    n = sum(v.numel() for k, v in ref.items() if not k.endswith('num_batches_tracked') and 'rope.rotations' not in k)
    status = 'OK' if not problems else 'MISMATCH'
    print(f'{status} {d}: {len(ref)} official keys, {len(sd)} exported; {n:,} values; '
          f'backbone {type(model.backbone).__name__}; classes {ck["meta"].get("CLASSES", "(dataset default)")!s:.60}')
    for p in problems[:20]:
        print('   ', p)
    return not problems


def main():
    kind, dirs = sys.argv[1], sys.argv[2:]
    mmref_env.setup(kind)
    ok = [check(kind, d) for d in dirs]
    sys.exit(0 if all(ok) else 1)


if __name__ == '__main__':
    main()
