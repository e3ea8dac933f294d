"""Training throughput: iterations per second of Algorithm 1 on a preset (one CPU thread, as
the server runs each session), and the cost of one probe (what a frame needs). In 2-D a live
frame reuses metrics up to 0.25 s old, so both the full and the live probe are timed.

    python bench/bench_step.py [--preset figure1|ring|grid|gaussians|...] [--iterations N]
"""

from __future__ import annotations

import argparse
import time

import torch

from gan_core.presets import PRESETS
from gan_core.probes import make_probe_set, probe
from gan_core.trainer import Trainer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--preset", default="figure1")
    args = ap.parse_args()
    torch.set_num_threads(1)
    trainer = Trainer(PRESETS.get(args.preset).config)
    trainer.step("iteration", 50)  # warm-up
    start = time.perf_counter()
    trainer.step("iteration", args.iterations)
    elapsed = time.perf_counter() - start
    per_it = elapsed / args.iterations
    ps = make_probe_set(trainer)
    probe(trainer, ps)
    n_probe = 50
    start = time.perf_counter()
    for _ in range(n_probe):
        probe(trainer, ps)
    probe_ms = (time.perf_counter() - start) / n_probe * 1000
    live_ms = None
    if trainer.p_data.dim == 2:
        start = time.perf_counter()
        for _ in range(n_probe):
            probe(trainer, ps, metrics_max_age=float("inf"))
        live_ms = (time.perf_counter() - start) / n_probe * 1000
    print(f"preset {args.preset}: {args.iterations} iterations in {elapsed:.2f} s "
          f"= {1 / per_it:.0f} iterations/s ({per_it * 1000:.2f} ms each, k={trainer.config.d_steps})")
    print(f"probe (one frame's arrays and metrics): {probe_ms:.2f} ms")
    if live_ms is None:
        print(f"at 60 frames/s probing takes {probe_ms * 60 / 10:.1f} % of one core")
    else:
        print(f"live 2-D frame (metrics reused): {live_ms:.2f} ms; at 60 frames/s with metrics 4x/s "
              f"probing takes {(live_ms * 56 + probe_ms * 4) / 10:.1f} % of one core")


if __name__ == "__main__":
    main()
