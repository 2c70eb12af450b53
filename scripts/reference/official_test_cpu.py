"""../shared/mmref/official_test.py with two CPU fixes for segmentation configs, applied from outside (the shared
script is read-only): mmseg's build_dataloader defaults to persistent_workers=True, which torch refuses with
workers_per_gpu=0; and SyncBN layers (the official UperNet's norm_cfg) only run on a GPU, so they are reverted to
BatchNorm as mmseg's tools/train.py and tools/test.py do on a CPU. Same arguments as official_test.py.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmref_env  # noqa: E402


def main():
    kind = sys.argv[sys.argv.index('--kind') + 1]
    script = mmref_env.setup(kind)
    sys.path.insert(0, os.path.dirname(script))
    import official_test
    if kind == 'seg':
        import functools
        import mmseg.datasets
        import mmseg.models
        from mmcv.cnn.utils import revert_sync_batchnorm
        mmseg.datasets.build_dataloader = functools.partial(mmseg.datasets.build_dataloader, persistent_workers=False)
        build = mmseg.models.build_segmentor
        mmseg.models.build_segmentor = lambda *a, **k: revert_sync_batchnorm(build(*a, **k))
    official_test.main()


if __name__ == '__main__':
    main()
