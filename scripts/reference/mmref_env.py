"""Shared set-up of the reference checks: puts the official mmdet/mmseg (the MLLA repository's vendored copies, run
on the CPU as ../shared/mmref/README.md describes) on sys.path. Needs MMREF_DEPS and MMREF_MLLA (see /work/mmref/ENV.md);
defaults are this machine's.

These scripts document how `mila export` was verified against the official code; tests and CI never run them."""
import os
import sys

os.environ.setdefault('MMREF_DEPS', '/work/mmref/deps')
os.environ.setdefault('MMREF_MLLA', '/work/mmref/mlla')
os.environ.setdefault('PYCOCOTOOLS_DIR', '/work/mmref/cocoapi/PythonAPI')
SHARED_MMREF = os.environ.get('SHARED_MMREF', '/work/shared/mmref')


def setup(kind):
    """kind: 'det' or 'seg'. Returns the official_test.py path."""
    sys.path.insert(0, SHARED_MMREF)
    import common  # noqa: E402  (../shared/mmref/common.py)
    common.setup_paths(kind)
    import torch
    torch.set_num_threads(int(os.environ.get('MMREF_THREADS', '2')))
    return os.path.join(SHARED_MMREF, 'official_test.py')


def build_official(kind, config_path):
    """The official model built from an exported config, as tools/train.py builds it (SyncBN reverted on the CPU)."""
    from mmcv import Config
    from mmcv.cnn.utils import revert_sync_batchnorm
    cfg = Config.fromfile(config_path)
    if kind == 'det':
        from mmdet.models import build_detector
        model = build_detector(cfg.model, train_cfg=cfg.get('train_cfg'), test_cfg=cfg.get('test_cfg'))
    else:
        from mmseg.models import build_segmentor
        model = build_segmentor(cfg.model, train_cfg=cfg.get('train_cfg'), test_cfg=cfg.get('test_cfg'))
    return cfg, revert_sync_batchnorm(model)
