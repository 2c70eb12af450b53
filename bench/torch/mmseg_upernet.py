"""The official mmsegmentation 0.x UperNet with the MLLA-T backbone (LeapLabTHU/MLLA downstream/segmentation), built
from the official config `configs/mlla/mlla_b_upernet.py` with MLLA-T's shapes, as our preset
`upernet_mila_t_512x512_160k_ade20k` is. Needs the official code set up as /work/mmref/ENV.md describes:
MMREF_DEPS (mmcv 1.x and shims) and MMREF_MLLA (the MLLA tree). Used by run_torch.py's `upernet_train`.
"""
import os
import sys

import torch


def available():
    """None when the official code can be imported, else why not (one line)."""
    deps, mlla = os.environ.get('MMREF_DEPS'), os.environ.get('MMREF_MLLA')
    if not deps or not mlla:
        return 'MMREF_DEPS / MMREF_MLLA not set (the official mmseg code, see /work/mmref/ENV.md)'
    config = os.path.join(mlla, 'downstream', 'segmentation', 'configs', 'mlla', 'mlla_b_upernet.py')
    if not os.path.exists(config):
        return f'{config} not found'
    return None


def _setup_paths():
    seg = os.path.join(os.environ['MMREF_MLLA'], 'downstream', 'segmentation')
    for p in (seg, os.environ['MMREF_DEPS']):
        if p not in sys.path:
            sys.path.insert(0, p)
    return seg


def upernet_mlla_t(num_classes=150):
    """The official EncoderDecoder, MLLA-T (embed 64, depths 2-4-8-4, heads 2-4-8-16, drop-path 0.3), and its AdamW."""
    seg = _setup_paths()
    from mmcv import Config
    from mmcv.runner import build_optimizer
    from mmseg.models import build_segmentor
    cfg = Config.fromfile(os.path.join(seg, 'configs', 'mlla', 'mlla_b_upernet.py'))
    b = cfg.model.backbone
    b.pop('init_cfg', None)
    b.update(embed_dim=64, depths=[2, 4, 8, 4], num_heads=[2, 4, 8, 16], drop_path_rate=0.3)
    cfg.model.pretrained = None
    # One process without torch.distributed: SyncBN is plain BN here (our preset's BN too).
    for head in (cfg.model.decode_head, cfg.model.auxiliary_head):
        head.norm_cfg = dict(type='BN', requires_grad=True)
        head.num_classes = num_classes
    cfg.model.decode_head.in_channels = [64, 128, 256, 512]
    cfg.model.auxiliary_head.in_channels = 256
    model = build_segmentor(cfg.model, train_cfg=cfg.get('train_cfg'), test_cfg=cfg.get('test_cfg'))
    # No init_weights(): the official MLLA backbone's requires a pretrained checkpoint; timing does not care.
    optimizer = build_optimizer(model, cfg.optimizer)
    return model, optimizer


def random_seg_batch(n, size, num_classes, seed=0):
    """Normalised images and labels in 32x32 blocks of one class, 1 block in 10 ignored (255), as our bench entry."""
    g = torch.Generator().manual_seed(seed)
    img = torch.randn(n, 3, size, size, generator=g)
    blocks = (size + 31) // 32
    cls = torch.randint(0, num_classes, (n, blocks, blocks), generator=g)
    cls[torch.rand(n, blocks, blocks, generator=g) < 0.1] = 255
    labels = cls.repeat_interleave(32, 1).repeat_interleave(32, 2)[:, :size, :size].unsqueeze(1).long()
    metas = [dict(img_shape=(size, size, 3), ori_shape=(size, size, 3), pad_shape=(size, size, 3), flip=False) for _ in range(n)]
    return img, metas, labels


def train_step_fn(size, batch=2, num_classes=150):
    """One official training iteration: forward_train (decode + auxiliary losses), backward, AdamW step."""
    model, optimizer = upernet_mlla_t(num_classes)
    model.train()
    img, metas, labels = random_seg_batch(batch, size, num_classes)

    def step():
        optimizer.zero_grad(set_to_none=True)
        losses = model.forward_train(img, metas, labels)
        loss, _ = model._parse_losses(losses)
        loss.backward()
        optimizer.step()
    return step
