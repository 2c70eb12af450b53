"""Build the official model from an exported config.py, load the exported model.pth strictly, run it on the input
that scripts/reference/dump_ours_forward.mjs used, and compare every output with ours.

usage: compare_forward.py det|seg DIR OURS.safetensors [--f64]      (DIR: the `mila export` output folder)
Prints per output the largest absolute difference and that difference relative to the output's largest magnitude;
for segmentation also the share of pixels whose argmax class agrees. Exit 1 if a relative difference exceeds 1e-4
(with --f64: unless ours is no farther from float64 than the official float32 result, i.e. rounding).
With --f64 the official model also runs in float64 and each float32 result's distance to it is printed (ours and
the official one), which tells float32 rounding (both equally far) from a difference in the computation.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmref_env  # noqa: E402


def run(kind, model, x, rois):
    import torch
    got = {}
    with torch.no_grad():
        feats = model.backbone(x)
        for i, f in enumerate(feats):
            got[f'backbone.{i}'] = f
        if kind == 'det':
            fpn = model.neck(feats)
            for i, f in enumerate(fpn):
                got[f'neck.{i}'] = f
            cls, reg = model.rpn_head(fpn)
            for i, (c, r) in enumerate(zip(cls, reg)):
                got[f'rpn_cls.{i}'], got[f'rpn_reg.{i}'] = c, r
            b = model.roi_head._bbox_forward(fpn, rois)
            got['bbox_cls'], got['bbox_reg'] = b['cls_score'], b['bbox_pred']
            got['mask_pred'] = model.roi_head._mask_forward(fpn, rois)['mask_pred']
        else:
            h, w = x.shape[2:]
            meta = [dict(img_shape=(h, w, 3), ori_shape=(h, w, 3), pad_shape=(h, w, 3), flip=False)]
            got['logits'] = model.encode_decode(x, meta)
    return got


def main():
    kind, d, ours_path = sys.argv[1:4]
    f64 = '--f64' in sys.argv[4:]
    mmref_env.setup(kind)
    import common  # ../shared/mmref/common.py
    import torch
    cfg, model = mmref_env.build_official(kind, os.path.join(d, 'config.py'))
    ck = torch.load(os.path.join(d, 'model.pth'), map_location='cpu', weights_only=True)
    model.load_state_dict(ck['state_dict'], strict=True)
    model.eval()
    ours = {k: torch.from_numpy(v) for k, v in common.read_safetensors(ours_path).items()}
    x = ours['input']
    rois = ours.get('rois')
    got = run(kind, model, x, rois)
    ref = run(kind, model.double(), x.double(), None if rois is None else rois.double()) if f64 else None
    worst = 0.0
    for k in sorted(got, key=lambda s: (s.split('.')[0], s)):
        a, b = ours[k], got[k].float()
        if a.shape != b.shape:
            print(f'{k:12s} shape ours {tuple(a.shape)} official {tuple(b.shape)}')
            worst = float('inf')
            continue
        diff = (a - b).abs().max().item()
        rel = diff / max(b.abs().max().item(), 1e-12)
        line = f'{k:12s} {str(tuple(b.shape)):22s} max |diff| {diff:.3g}  relative {rel:.3g}'
        if ref is not None:
            r = ref[k]
            m = r.abs().max().item()
            e_ours, e_off = (a.double() - r).abs().max().item() / m, (b.double() - r).abs().max().item() / m
            line += f'  | vs float64: ours {e_ours:.2g}, official {e_off:.2g}'
            # Past 1e-4, accept only float32 rounding: ours no farther from float64 than the official float32 result.
            if e_ours <= 1.5 * e_off:
                rel = min(rel, 1e-4)
        worst = max(worst, rel)
        print(line)
    if kind == 'seg':
        agree = (ours['logits'].argmax(1) == got['logits'].argmax(1)).float().mean().item()
        print(f'argmax class agreement {100 * agree:.4f}% of {ours["logits"][0, 0].numel()} pixels')
    print(f'{"OK" if worst <= 1e-4 else "DIFFERENT"}: largest relative difference {worst:.3g}')
    sys.exit(0 if worst <= 1e-4 else 1)


if __name__ == '__main__':
    main()
