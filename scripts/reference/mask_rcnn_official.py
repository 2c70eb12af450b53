"""The official mmdet 2.25 Mask R-CNN training forward on the fixture batch: losses, acc, sample counts, proposals.

usage: /usr/bin/python3 scripts/reference/mask_rcnn_official.py PY_DIR OUT.json
  PY_DIR: written by `node scripts/reference/mask_rcnn_fixture.mjs batch ...` (model-config.json: our model config;
          model.safetensors: its weights; batch.safetensors: images NCHW after Normalize/Pad/collate, gt boxes, labels,
          masks at the padded size, and the image metas)
Builds the mmdet model dict from our config (camelCase keys -> snake_case, backbone 'MILA' -> the official 'MLLA'),
sets both samplers' num to 1e6 (every candidate sampled: no random draw), drop-path 0, loads the weights
(strict), and runs model.train(); model.forward_train(...) under torch.no_grad(). Recorded on the way: the RPN's
positives/negatives per image (AnchorHead._get_targets_single), the proposals (rpn_head.forward_train), the RoI
sampler's positives/negatives per image.
"""
import json, os, sys

sys.path.insert(0, os.environ.get('MMREF_SHARED', '/work/shared/mmref'))
import common  # noqa: E402

common.setup_paths('det')
import numpy as np  # noqa: E402
import torch  # noqa: E402

SAMPLES_ALL = 1_000_000


def mmdet_dict(v):
    if isinstance(v, dict):
        return {common.snake(k): mmdet_dict(x) for k, x in v.items()}
    if isinstance(v, list):
        return [mmdet_dict(x) for x in v]
    return v


def model_cfg(ours):
    cfg = mmdet_dict(ours)
    bb = cfg['backbone']
    assert bb.pop('type') == 'MILA'
    cfg['backbone'] = dict(type='MLLA', img_size=224, patch_size=4, in_chans=3, embed_dim=bb['embed_dim'], depths=bb['depths'],
                           num_heads=bb['num_heads'], mlp_ratio=bb['mlp_ratio'], qkv_bias=bb['qkv_bias'], drop_rate=bb['drop_rate'],
                           drop_path_rate=0.0, out_indices=tuple(bb['out_indices']), use_checkpoint=False)
    for part in ('rpn', 'rcnn'):
        cfg['train_cfg'][part]['sampler']['num'] = SAMPLES_ALL
    return cfg


def main():
    py_dir, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(int(os.environ.get('MMREF_THREADS', '2')))
    from mmcv import ConfigDict
    from mmdet.core import BitmapMasks
    from mmdet.models import build_detector
    from mmdet.models.dense_heads.anchor_head import AnchorHead

    ours = json.load(open(os.path.join(py_dir, 'model-config.json')))
    cfg = ConfigDict(model_cfg(ours))
    model = build_detector(cfg)
    sd = common.load_torch_state_dict(os.path.join(py_dir, 'model.safetensors'))
    model.load_state_dict(sd, strict=True)
    model.train()

    st = common.read_safetensors(os.path.join(py_dir, 'batch.safetensors'))
    with open(os.path.join(py_dir, 'batch.safetensors'), 'rb') as f:
        n = int.from_bytes(f.read(8), 'little')
        metas = json.loads(json.loads(f.read(n))['__metadata__']['metas'])
    img = torch.from_numpy(st['img'])
    img_metas, gt_bboxes, gt_labels, gt_masks = [], [], [], []
    for i, m in enumerate(metas):
        h, w = m['imgShape']
        ph, pw = m['padShape']
        img_metas.append(dict(filename=m['filename'], ori_shape=(*m['oriShape'], 3), img_shape=(h, w, 3), pad_shape=(ph, pw, 3),
                              scale_factor=np.array(m['scaleFactor'], dtype=np.float32), flip=m['flip'], flip_direction=m['flipDirection'],
                              batch_input_shape=tuple(img.shape[-2:])))
        gt_bboxes.append(torch.from_numpy(st[f'gt_bboxes{i}']))
        gt_labels.append(torch.from_numpy(st[f'gt_labels{i}']))
        masks = st[f'gt_masks{i}']
        gt_masks.append(BitmapMasks(masks, masks.shape[1], masks.shape[2]))

    rpn_counts, rcnn_counts, proposals = [], [], []
    get_targets_single = AnchorHead._get_targets_single

    def record_rpn(self, *a, **k):
        r = get_targets_single(self, *a, **k)
        rpn_counts.append([int(r[4].numel()), int(r[5].numel())])
        return r
    AnchorHead._get_targets_single = record_rpn
    rpn_forward_train = model.rpn_head.forward_train

    def record_proposals(*a, **k):
        losses, plist = rpn_forward_train(*a, **k)
        proposals.extend(p.detach().clone() for p in plist)
        return losses, plist
    model.rpn_head.forward_train = record_proposals
    sample = model.roi_head.bbox_sampler.sample

    def record_rcnn(*a, **k):
        r = sample(*a, **k)
        rcnn_counts.append([int(r.pos_inds.numel()), int(r.neg_inds.numel())])
        return r
    model.roi_head.bbox_sampler.sample = record_rcnn

    with torch.no_grad():
        losses = model.forward_train(img, img_metas, gt_bboxes, gt_labels, gt_bboxes_ignore=None, gt_masks=gt_masks)
    # as mmdet's _parse_losses: the RPN terms are lists over the FPN levels, logged as their sum
    res = {k: float(sum(x.mean() for x in v)) if isinstance(v, list) else float(v) for k, v in losses.items()}
    res['rpn_pos_neg'] = rpn_counts
    res['rcnn_pos_neg'] = rcnn_counts
    res['proposals'] = [p.tolist() for p in proposals]
    res['versions'] = dict(torch=torch.__version__)
    json.dump(res, open(out, 'w'), separators=(',', ':'))
    print(json.dumps({k: v for k, v in res.items() if k != 'proposals'}))


if __name__ == '__main__':
    main()
