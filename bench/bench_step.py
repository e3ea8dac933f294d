"""Training throughput: iterations per second of Algorithm 1 on a preset (one CPU thread, as
the server runs each session), and the cost of one probe (what a frame needs). In 2-D a live
frame reuses metrics up to 0.25 s old, so both the full and the live probe are timed.

Then, for presets a plain loop can reproduce (non-saturating, Adam, no regularisers), the
lab's step against a plain nn.Module + torch.optim loop of the same networks (bench/bare_loop.py) in the
same process, interleaved in rounds: the ratio lab/bare of iterations per second, median and
range over the rounds (1.0 = as fast as the bare loop).

    python bench/bench_step.py [--preset figure1|ring|grid|gaussians|...] [--iterations N] [--rounds R] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from gan_core.presets import PRESETS
from gan_core.probes import make_probe_set, probe
from gan_core.trainer import Trainer

try:  # run as `python bench/bench_step.py`: bench/ is on the path
    from bare_loop import BareLoop, comparable
except ImportError:  # pragma: no cover - imported as bench.bench_step
    from bench.bare_loop import BareLoop, comparable


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--preset", default="figure1")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved lab/bare rounds")
    ap.add_argument("--out", help="write the figures as JSON")
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
    result = {"preset": args.preset, "iterations_per_s": 1 / per_it, "probe_ms": probe_ms, "live_probe_ms": live_ms}
    result.update(compare_with_bare_loop(args.preset, args.iterations, args.rounds))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(result, fh, indent=2)
        print(f"wrote {args.out}")


def compare_with_bare_loop(preset: str, iterations: int, rounds: int) -> dict:
    """Interleave the lab's step and the bare loop (same process, same thread) so machine
    noise hits both; report lab/bare per round."""
    lab = Trainer(PRESETS.get(preset).config)
    why = comparable(lab)
    if why:
        print(f"no bare-loop comparison for {preset}: {why}")
        return {"bare_ratio": None, "bare_note": why}
    bare = BareLoop(lab)
    lab.step("iteration", 50)
    bare.step(50)
    n = max(50, iterations // rounds)
    ratios, lab_rates, bare_rates = [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        lab.step("iteration", n)
        lab_s = time.perf_counter() - start
        start = time.perf_counter()
        bare.step(n)
        bare_s = time.perf_counter() - start
        lab_rates.append(n / lab_s)
        bare_rates.append(n / bare_s)
        ratios.append(bare_s / lab_s)
    ratio = statistics.median(ratios)
    print(
        f"lab vs bare loop ({rounds} interleaved rounds of {n} iterations): lab {statistics.median(lab_rates):.0f} it/s, "
        f"bare {statistics.median(bare_rates):.0f} it/s, ratio {ratio:.2f} (range {min(ratios):.2f}-{max(ratios):.2f})"
    )
    return {"bare_ratio": ratio, "bare_ratio_range": [min(ratios), max(ratios)], "lab_it_s": statistics.median(lab_rates), "bare_it_s": statistics.median(bare_rates)}


if __name__ == "__main__":
    main()
