"""Run the MLLA repository's own tools/train.py (mmdet or mmseg, not distributed) on this CPU, e.g. on a config that
`mila export` wrote. The shared torch shim of mmcv's compiled ops has RoIAlign's forward only; Mask R-CNN training
also needs its backward, added here from outside (the shim is read-only): RoIAlign is linear in its input, so the
gradient is the forward's vector-Jacobian product, taken with autograd through the shim's pure-torch forward.
(tools/train.py also asks the compiled ops for their compiler versions, for its environment log.)

usage: official_train_cpu.py det|seg CONFIG.py --work-dir DIR [tools/train.py options, e.g. --cfg-options runner.max_iters=20]
"""
import os
import runpy
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmref_env  # noqa: E402


def roi_align_backward(grad_output, rois, argmax_y, argmax_x, grad_input, aligned_height, aligned_width, spatial_scale,
                       sampling_ratio, pool_mode, aligned):
    import torch
    import mmcv._ext as ext
    with torch.enable_grad():
        x = torch.zeros_like(grad_input, requires_grad=True)
        out = ext.roi_align_forward(x, rois, grad_output.new_zeros(grad_output.shape), argmax_y, argmax_x, aligned_height,
                                    aligned_width, spatial_scale, sampling_ratio, pool_mode, aligned)
        grad, = torch.autograd.grad(out, x, grad_output)
    grad_input.copy_(grad)


def main():
    kind = sys.argv[1]
    mmref_env.setup(kind)
    import mmcv._ext as ext
    ext.roi_align_backward = roi_align_backward
    # tools/train.py logs the environment, which asks the compiled ops how they were built.
    ext.get_compiler_version = lambda: 'torch shim'
    ext.get_compiling_cuda_version = lambda: 'none'
    tree = {'det': 'detection', 'seg': 'segmentation'}[kind]
    script = os.path.join(os.environ['MMREF_MLLA'], 'downstream', tree, 'tools', 'train.py')
    sys.argv = [script] + sys.argv[2:]
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
