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
    from bare_loop import BareLoop, LeanLoop, comparable
except ImportError:  # pragma: no cover - imported as bench.bench_step
    from bench.bare_loop import BareLoop, LeanLoop, comparable


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
    """Interleave the lab's step and the baselines (same process, same thread) so machine
    noise hits all of them; report lab/baseline per round."""
    lab = Trainer(PRESETS.get(preset).config)
    why = comparable(lab)
    if why:
        print(f"no bare-loop comparison for {preset}: {why}")
        return {"bare_ratio": None, "bare_note": why}
    loops = {"nn.Module + torch.optim": BareLoop(lab)}
    if "gradient-penalty-r1" not in lab.config.regularizers:
        loops["lean (leaf tensors, foreach Adam/SGD)"] = LeanLoop(lab)
    lab.step("iteration", 50)
    for loop in loops.values():
        loop.step(50)
    n = max(50, iterations // rounds)
    seconds: dict[str, list[float]] = {"lab": [], **{name: [] for name in loops}}
    for _ in range(rounds):
        start = time.perf_counter()
        lab.step("iteration", n)
        seconds["lab"].append(time.perf_counter() - start)
        for name, loop in loops.items():
            start = time.perf_counter()
            loop.step(n)
            seconds[name].append(time.perf_counter() - start)
    out: dict = {"lab_it_s": n / statistics.median(seconds["lab"]), "baselines": {}}
    print(f"lab: {out['lab_it_s']:.0f} it/s ({rounds} interleaved rounds of {n} iterations)")
    for name in loops:
        ratios = [b / a for a, b in zip(seconds["lab"], seconds[name])]
        ratio = statistics.median(ratios)
        out["baselines"][name] = {"it_s": n / statistics.median(seconds[name]), "ratio": ratio, "range": [min(ratios), max(ratios)]}
        print(f"  vs {name}: {n / statistics.median(seconds[name]):.0f} it/s; lab/baseline {ratio:.2f} (range {min(ratios):.2f}-{max(ratios):.2f})")
    out["bare_ratio"] = min(b["ratio"] for b in out["baselines"].values())
    return out

if __name__ == "__main__":
    main()
