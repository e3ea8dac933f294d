"""The GAN zoo table (docs/zoo.md): every objective, and every regulariser on the plain GAN,
on the ring and the grid, for several seeds: modes covered, HQ fraction, JS, W₁ (sliced) and
wall time. Each row is the `ring` or `grid` preset plus the row's `--set` changes, so every
cell is reproducible with

    ganlab train --preset mode-collapse --steps N --seed S --json --set lr_halflife=2500 --set objective=hinge

Runs go to a JSON-lines file as they finish (a re-run skips the ones already there), then
the markdown table is printed. Usage:

    python bench/zoo_table.py --steps 2500 --seeds 0 1 2 --jobs 2 --out /tmp/zoo.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

# Objective rows carry the critic settings their papers use (5 critic steps; λ = 0.1 as in
# WGAN-GP's 2-D toy code); everything else comes from the preset.
ROWS: list[tuple[str, dict[str, str]]] = [
    ("minimax", {"objective": "minimax"}),
    ("non-saturating", {"objective": "non-saturating"}),
    ("least-squares", {"objective": "least-squares"}),
    ("wasserstein", {"objective": "wasserstein", "d_steps": "5", "optimizer": "rmsprop", "beta2": "0.99", "lr_d": "5e-4", "lr_g": "5e-4"}),
    ("wasserstein-gp", {"objective": "wasserstein-gp", "d_steps": "5", "gp_weight": "0.1"}),
    ("hinge", {"objective": "hinge"}),
    ("relativistic", {"objective": "relativistic"}),
    ("relativistic-average", {"objective": "relativistic-average"}),
    ("mmd", {"objective": "mmd"}),
    ("+ spectral-norm", {"regularizers": "spectral-norm"}),
    ("+ gradient-penalty-r1", {"regularizers": "gradient-penalty-r1", "r1_gamma": "0.1"}),
    ("+ one-sided-label-smoothing", {"regularizers": "one-sided-label-smoothing"}),
    ("+ instance-noise", {"regularizers": "instance-noise"}),
    ("+ feature-matching", {"regularizers": "feature-matching"}),
    ("+ minibatch-discrimination", {"regularizers": "minibatch-discrimination", "batch_size": "128"}),
    ("+ historical-averaging", {"regularizers": "historical-averaging"}),
]
# The plain GAN of the benchmark (mode-collapse = the ring preset's networks with constant
# learning rates) with the learning-rate half-life of 2,500 iterations, on each data set. Named
# in full so the table does not move when the `ring` preset is retuned.
BASES: dict[str, tuple[str, dict[str, str]]] = {
    "ring": ("mode-collapse", {"lr_halflife": "2500"}),
    "grid": ("mode-collapse", {"distribution": "grid", "lr_halflife": "2500"}),
}
PRESETS = tuple(BASES)


def run_one(preset: str, row: str, changes: dict[str, str], seed: int, steps: int) -> dict:
    import torch

    torch.set_num_threads(1)
    from gan_core.config import parse_assignments
    from gan_core.presets import PRESETS as REG
    from gan_core.train import train

    base, base_changes = BASES[preset]
    config = parse_assignments(REG.get(base).config.updated({"seed": seed}), [f"{k}={v}" for k, v in (base_changes | changes).items()])
    start = time.perf_counter()
    final: dict = {}
    for record in train(config, steps, every=steps):
        final = record
    return {
        "preset": preset,
        "row": row,
        "seed": seed,
        "steps": steps,
        "modes_covered": final.get("modes_covered"),
        "modes_total": final.get("modes_total"),
        "hq_fraction": final.get("hq_fraction"),
        "js": final.get("js"),
        "wasserstein": final.get("wasserstein"),
        "diverged": final.get("diverged"),
        "seconds": round(time.perf_counter() - start, 1),
    }


def command(preset: str, changes: dict[str, str], steps: int) -> str:
    base, base_changes = BASES[preset]
    sets = " ".join(f"--set {k}={v}" for k, v in (base_changes | changes).items())
    return f"ganlab train --preset {base} --steps {steps} --seed S --json {sets}".strip()


def table(results: list[dict], seeds: list[int], steps: int) -> str:
    def fmt(v: float | None, d: int) -> str:
        return "—" if v is None else f"{v:.{d}f}"

    out = []
    for preset in PRESETS:
        out.append(f"\n### {preset} ({steps:,} iterations; seeds {', '.join(map(str, seeds))}; each cell: seed {seeds[0]} / …)\n")
        out.append("| objective or trick | modes covered | HQ fraction | JS (nats) | sliced W₁ | seconds | command |")
        out.append("|---|---|---|---|---|---|---|")
        for row, changes in ROWS:
            rs = sorted((r for r in results if r["preset"] == preset and r["row"] == row and r["seed"] in seeds), key=lambda r: r["seed"])
            if not rs:
                continue
            modes = " / ".join("div." if r["diverged"] else f"{r['modes_covered']}/{r['modes_total']}" for r in rs)
            hq = " / ".join(fmt(r["hq_fraction"], 2) for r in rs)
            js = " / ".join(fmt(r["js"], 3) for r in rs)
            w = " / ".join(fmt(r["wasserstein"], 3) for r in rs)
            secs = " / ".join(f"{r['seconds']:.0f}" for r in rs)
            out.append(f"| {row} | {modes} | {hq} | {js} | {w} | {secs} | `{command(preset, changes, steps)}` |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--jobs", type=int, default=max(1, (os.cpu_count() or 2)))
    ap.add_argument("--out", default="zoo_runs.jsonl")
    ap.add_argument("--rows", nargs="*", help="only these rows (names as in the table)")
    args = ap.parse_args()
    path = Path(args.out)
    done = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    have = {(r["preset"], r["row"], r["seed"], r["steps"]) for r in done}
    todo = [
        (p, row, ch, s)
        for s in args.seeds
        for p in PRESETS
        for row, ch in ROWS
        if (p, row, s, args.steps) not in have and (not args.rows or row in args.rows)
    ]
    print(f"{len(todo)} runs to do, {len(done)} already in {path}", flush=True)
    with ProcessPoolExecutor(args.jobs) as pool, path.open("a") as fh:
        futures = [pool.submit(run_one, p, row, ch, s, args.steps) for p, row, ch, s in todo]
        for f in as_completed(futures):
            r = f.result()
            done.append(r)
            fh.write(json.dumps(r) + "\n")
            fh.flush()
            print(json.dumps(r), flush=True)
    print(table([r for r in done if r["steps"] == args.steps], args.seeds, args.steps))


if __name__ == "__main__":
    main()
