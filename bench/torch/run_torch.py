"""PyTorch side of `npm run bench -- --vs-torch`: times one workload, prints one JSON line.

usage: run_torch.py <workload> <size...> --name <entry name> [--threads 2] [--runs 5] [--cpu-time]
workloads: backbone S | train_step S | block_mila N | block_softmax N | upernet S | mask_rcnn H W | upernet_train S
(upernet_train: the official mmseg UperNet with MLLA-T, batch 2, 150 classes; needs MMREF_DEPS / MMREF_MLLA, see
mmseg_upernet.py; skipped with the reason otherwise)
"""
import argparse
import json
import resource
import statistics
import time

import torch

from mlla import MllaBackbone, MllaBlock, SoftmaxBlock


def timed(fn, runs, clock, budget_s=4.0):
    fn()  # warm-up
    times = []
    while len(times) < runs or (len(times) < max(runs, 20) and sum(times) < budget_s):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    return statistics.median(times) * 1000, len(times)


def workload(kind, sizes):
    """(function to time, None) or (None, why it cannot run here)."""
    torch.manual_seed(0)
    if kind == 'upernet_train':
        import mmseg_upernet
        why = mmseg_upernet.available()
        if why:
            return None, why
        return mmseg_upernet.train_step_fn(sizes[0]), None
    if kind == 'backbone':
        s = sizes[0]
        model, x = MllaBackbone().eval(), torch.randn(1, 3, s, s)
        return lambda: model(x), None
    if kind == 'train_step':
        s = sizes[0]
        model, x = MllaBackbone().train(), torch.randn(1, 3, s, s)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.05)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = sum((o * o).mean() for o in model(x))
            loss.backward()
            opt.step()
        return step, None
    if kind in ('block_mila', 'block_softmax'):
        n = sizes[0]
        block = (MllaBlock(64, 2) if kind == 'block_mila' else SoftmaxBlock(64, 2)).eval()
        x = torch.randn(1, n * n, 64)
        return lambda: block(x, n, n), None
    return None, f'no PyTorch {kind} in bench/torch'


def main():
    p = argparse.ArgumentParser()
    p.add_argument('kind')
    p.add_argument('sizes', nargs='*', type=int)
    p.add_argument('--name', required=True)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--runs', type=int, default=5)
    p.add_argument('--cpu-time', action='store_true', help='time by process CPU time (summed over threads)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    fn, why = workload(a.kind, a.sizes)
    if fn is None:
        print(json.dumps({'name': a.name, 'backend': 'torch', 'skipped': why}))
        return
    with torch.no_grad() if a.kind not in ('train_step', 'upernet_train') else torch.enable_grad():
        ms, runs = timed(fn, a.runs, time.process_time if a.cpu_time else time.perf_counter)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'name': a.name, 'backend': f'torch {torch.__version__} ({a.threads} threads)', 'ms': round(ms, 1), 'runs': runs, 'gflops': None, 'rss_mb': round(rss_mb), **({'clock': 'cpu'} if a.cpu_time else {})}))


if __name__ == '__main__':
    main()
