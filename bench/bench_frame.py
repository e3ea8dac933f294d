"""Cost of a frame: what each part of a probe costs (heatmap, mesh, dots, arrows, each
metric) for figure1, gaussians, ring and grid, this tree against a baseline revision of the
probe code (default HEAD: gan_core/metrics.py, probes.py and probes2d.py as committed, loaded
beside the working tree's), interleaved in rounds in one process and on one thread, so the
ratios hold on a shared machine; then what a spread metrics pass does to live frames, and the
frame on the wire (JSON text against a float32 binary layout).

    python bench/bench_frame.py [--presets figure1,gaussians,ring,grid] [--rounds 5]
                                [--baseline REF] [--out bench.json] [--js-accuracy] [--no-wire]

Each part is called once per repetition, this tree's and the baseline's in alternating order,
`--rounds` × `--reps` times: the figures are medians of those single calls, in ms, and `old/new`
the median of the per-repetition ratios (sums of parts where the two split a frame differently). `--js-accuracy` also
measures the 2-D JS estimator's subset error (old: a seeded random 6,000 of the fakes; new:
the 2,000 spatially stratified ones) against the mean over all fakes, on trained states.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_core import metrics as new_metrics  # noqa: E402
from gan_core import probes as new_probes  # noqa: E402
from gan_core import probes2d as new_probes2d  # noqa: E402
from gan_core.presets import PRESETS  # noqa: E402
from gan_core.trainer import Trainer  # noqa: E402

# -- the baseline: the committed probe code, loaded as separate modules ----------------------


def _module_from_git(ref: str, path: str, name: str, replace: dict[str, types.ModuleType]) -> types.ModuleType:
    source = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    module = types.ModuleType(name)
    module.__file__ = f"{ref}:{path}"
    saved = {key: sys.modules.get(key) for key in replace}
    sys.modules.update(replace)
    sys.modules[name] = module
    try:
        exec(compile(source, module.__file__, "exec"), module.__dict__)
    finally:
        for key, value in saved.items():
            if value is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = value
    return module


def load_baseline(ref: str) -> types.SimpleNamespace:
    """metrics, probes2d and probes as they are at `ref`, importing each other (and the
    working tree's trainer, networks, distributions...)."""
    m = _module_from_git(ref, "gan_core/metrics.py", "baseline_metrics", {})
    p2 = _module_from_git(ref, "gan_core/probes2d.py", "baseline_probes2d", {"gan_core.metrics": m})
    p1 = _module_from_git(ref, "gan_core/probes.py", "baseline_probes", {"gan_core.metrics": m, "gan_core.probes2d": p2})
    commit = subprocess.run(["git", "rev-parse", ref], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    return types.SimpleNamespace(metrics=m, probes2d=p2, probes=p1, commit=commit)


# -- timing ---------------------------------------------------------------------------------


def timed(fn: Callable[[], object], reps: int) -> float:
    """Median of `reps` calls, ms (one warm-up call first)."""
    fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000


def labelled_parts(parts) -> dict[str, float]:
    """Run a metrics pass written as parts; seconds per label (the part after the last yield
    is 'js: densities')."""
    out: dict[str, float] = {}
    label = None
    start = time.perf_counter()
    while True:
        try:
            label = next(parts)
        except StopIteration:
            out["js: densities"] = out.get("js: densities", 0.0) + time.perf_counter() - start
            return out
        now = time.perf_counter()
        out[label] = out.get(label, 0.0) + now - start
        start = now


# -- what is timed --------------------------------------------------------------------------


def parts_2d_old(b: types.SimpleNamespace, t: Trainer, ps) -> dict[str, Callable[[], object]]:
    """The baseline's 2-D frame, part by part, as its probe_2d and metrics_2d make them."""
    p2, m = b.probes2d, b.metrics
    fake = t.generate(ps.fake_z)
    gz = t.generate(ps.z_quadrature).double().cpu().numpy()
    fake_metric = t.generate(ps.z_metric)
    p = t.p_data

    def value() -> float:
        log_d_real = -torch.nn.functional.softplus(-t.discriminator_logit(ps.real_metric))
        log_1m_d_fake = -torch.nn.functional.softplus(t.discriminator_logit(fake_metric))
        return float(log_d_real.mean() + log_1m_d_fake.mean())

    parts = {
        "heatmap": lambda: p2.second_network(t, ps.centres, ps.real_metric, ps.z_metric),
        "dots + mesh": lambda: (t.generate(ps.fake_z), t.generate(ps.z_mesh)),
        "arrows": lambda: t.generator_push(fake, ps.real_dots),
        "metric: G on quadrature": lambda: t.generate(ps.z_quadrature).double().cpu().numpy(),
        "metric: G on metric samples": lambda: t.generate(ps.z_metric),
        "metric: JS": lambda: m.js_divergence_2d(p.pdf, ps.real_quadrature, gz),
        "metric: sliced W1": lambda: m.sliced_wasserstein(ps.real_quadrature, gz),
    }
    if t.objective.output == "probability":
        parts["metric: V"] = value
    if p.modes is not None:
        parts["metric: modes"] = lambda: m.mode_metrics(fake_metric.numpy(), p.modes, p.mode_std)
    return parts


def parts_2d_new(t: Trainer, ps) -> dict[str, Callable[[], object]]:
    fake = t.generate(ps.fake_z)
    return {
        "heatmap": lambda: new_probes2d.second_network(t, ps.centres, ps.real_metric, ps.z_metric),
        "dots + mesh": lambda: t.generate(ps.z_frame),
        "arrows": lambda: t.generator_push(fake, ps.real_dots),
    }


def totals(probe: Callable, t: Trainer, ps, fresh_clears: bool) -> dict[str, Callable[[], object]]:
    if t.p_data.dim == 1:
        return {"frame": lambda: probe(t, ps)}  # 1-D frames compute their metrics every time

    def fresh() -> object:
        if fresh_clears:
            ps.cached_metrics = None  # else an unchanged state reuses its metrics
        return probe(t, ps, 0.0)

    return {"frame, fresh metrics": fresh, "live frame (metrics reused)": lambda: probe(t, ps, 1e9)}


def parts_1d_old(b: types.SimpleNamespace, t: Trainer, ps) -> dict[str, Callable[[], object]]:
    """The baseline's 1-D frame, part by part, as its probe_1d makes them."""
    p1, m = b.probes, b.metrics
    gz = t.generate(ps.z_quadrature).squeeze(1).double().cpu().numpy()
    g_mass = p1.generated_mass(gz, ps.edges)
    x_ext = torch.cat([torch.tensor([[ps.edges[0]]], dtype=torch.float32), ps.x, torch.tensor([[ps.edges[-1]]], dtype=torch.float32)])
    return {
        "G on quadrature": lambda: t.generate(ps.z_quadrature).squeeze(1).double().cpu().numpy(),
        "p_g bins": lambda: p1.generated_mass(gz, ps.edges),
        "metric: JS (bins)": lambda: m.js_divergence(ps.data_mass, g_mass),
        "metric: W1": lambda: m.wasserstein_1d(t.p_data.cdf, gz, t.p_data.view),
        "D curve": lambda: p1.second_network(t, ps.x, ps.witness_real, ps.witness_z),
        "metric: V (D on the bins)": lambda: t.discriminator_logit(x_ext),
        "mapping lines, dots, spread": lambda: (t.generate(ps.z_lines), t.generate(ps.fake_z), p1.mapping_spread(t, ps)),
    }


def parts_1d_new(t: Trainer, ps) -> dict[str, Callable[[], object]]:
    p1, m = new_probes, new_metrics
    gz = t.generate(ps.z_quadrature).squeeze(1).double().cpu().numpy()
    g_mass = p1.generated_mass(gz, ps.edges)
    x_ext = torch.cat([torch.tensor([[ps.edges[0]]], dtype=torch.float32), ps.x, torch.tensor([[ps.edges[-1]]], dtype=torch.float32)])

    def lines() -> object:
        g = t.generate(ps.z_frame).squeeze(1)
        return p1.mapping_spread(t, ps, g[p1.MAPPING_LINES + p1.SAMPLE_DOTS :])

    return {
        "G on quadrature": lambda: new_probes2d.forward_chunked(t.generate, ps.z_quadrature, t.config.g_width).squeeze(1).double().numpy(),
        "p_g bins": lambda: p1.generated_mass(gz, ps.edges),
        "metric: JS (bins)": lambda: m.js_divergence(ps.data_mass, g_mass),
        "metric: W1": lambda: ps.w1.distance(gz),
        "D curve": lambda: p1.second_network(t, ps.x, ps.witness_real, ps.witness_z),
        "metric: V (D on the bins)": lambda: t.discriminator_logit(x_ext),
        "mapping lines, dots, spread": lines,
    }


_OLD_METRICS = ["metric: G on quadrature", "metric: G on metric samples", "metric: V", "metric: modes", "metric: sliced W1", "metric: JS"]
_NEW_METRICS = ["metric: generate", "metric: D for V", "metric: modes", "metric: sliced W1", "metric: js: k-d tree", "metric: js: neighbours", "metric: js: densities"]
GROUPS_2D = {
    "heatmap": (["heatmap"], ["heatmap"]),
    "dots + mesh": (["dots + mesh"], ["dots + mesh"]),
    "arrows": (["arrows"], ["arrows"]),
    "metrics: G on 2,500 + 20,000 noise points": (["metric: G on quadrature", "metric: G on metric samples"], ["metric: generate"]),
    "metrics: V (D on 5,000 points)": (["metric: V"], ["metric: D for V"]),
    "metrics: modes": (["metric: modes"], ["metric: modes"]),
    "metrics: sliced W1": (["metric: sliced W1"], ["metric: sliced W1"]),
    "metrics: JS": (["metric: JS"], ["metric: js: k-d tree", "metric: js: neighbours", "metric: js: densities"]),
    "metrics pass (all of the above)": (_OLD_METRICS, _NEW_METRICS),
    "live frame (metrics reused)": (["live frame (metrics reused)"], ["live frame (metrics reused)"]),
    "frame, fresh metrics": (["frame, fresh metrics"], ["frame, fresh metrics"]),
}


def once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def bench_preset(name: str, b: types.SimpleNamespace | None, rounds: int, reps: int, iterations: int) -> dict:
    """Each part once per rep, this tree's and the baseline's in alternating order, `rounds`
    × `reps` times; medians of the single calls, and of the per-rep ratios old/new."""
    t = Trainer(PRESETS.get(name).config)
    t.step("iteration", iterations)
    new_ps = new_probes.make_probe_set(t)
    old_ps = b.probes.make_probe_set(t) if b else None
    two_d = t.p_data.dim == 2
    if two_d:
        new_parts = parts_2d_new(t, new_ps)
        old_parts = parts_2d_old(b, t, old_ps) if b else {}
    else:
        new_parts = parts_1d_new(t, new_ps)
        old_parts = parts_1d_old(b, t, old_ps) if b else {}
    new_parts |= totals(new_probes.probe, t, new_ps, True)
    if b:
        old_parts |= totals(b.probes.probe, t, old_ps, False)
    samples: list[dict[str, dict[str, float]]] = []

    def run_new() -> dict[str, float]:
        out = {label: once(fn) for label, fn in new_parts.items()}
        if two_d:
            out |= {f"metric: {k}": v * 1000 for k, v in labelled_parts(new_probes2d.metric_parts(t, new_ps)).items()}
        return out

    def run_old() -> dict[str, float]:
        return {label: once(fn) for label, fn in old_parts.items()}

    run_new(), run_old()  # warm-up
    for i in range(rounds * reps):
        if i % 2:
            old, new = run_old(), run_new()
        else:
            new, old = run_new(), run_old()
        samples.append({"old": old, "new": new})
    out: dict = {"parts": {}, "compared": {}}
    for which in ("new", "old"):
        for label in samples[0][which]:
            out["parts"].setdefault(label, {})[which] = float(np.median([s[which][label] for s in samples]))
    groups = GROUPS_2D if two_d else {label: ([label], [label]) for label in new_parts}
    for label, (old_labels, new_labels) in groups.items():
        if not b or not any(x in samples[0]["old"] for x in old_labels):
            continue
        old_sum = np.array([sum(s["old"].get(x, 0.0) for x in old_labels) for s in samples])
        new_sum = np.array([sum(s["new"].get(x, 0.0) for x in new_labels) for s in samples])
        out["compared"][label] = {"old": float(np.median(old_sum)), "new": float(np.median(new_sum)), "old/new": float(np.median(old_sum / new_sum))}
    return out


def spread_pass(name: str, frames: int, iterations_between: int, max_age: float, probes_module: types.ModuleType = new_probes) -> dict:
    """Live frames while playing: each frame after `iterations_between` iterations, metrics up
    to `max_age` s old (this tree: a pass spread over frames; the baseline: a whole pass in the
    frame that finds them too old). Cost per frame, and how far behind the metrics shown are."""
    t = Trainer(PRESETS.get(name).config)
    t.step("iteration", 200)
    ps = probes_module.make_probe_set(t)
    probes_module.probe(t, ps)
    costs, lag, passes = [], [], 0
    for _ in range(frames):
        t.step("iteration", iterations_between)
        before = ps.cached_metrics
        start = time.perf_counter()
        frame = probes_module.probe(t, ps, max_age)
        costs.append((time.perf_counter() - start) * 1000)
        passes += ps.cached_metrics is not before
        lag.append(t.iteration - frame["scalars"]["metrics_iteration"])
    c = np.array(costs)
    return {
        "frames": frames,
        "passes completed": passes,
        "frame ms mean": float(c.mean()),
        "frame ms p50": float(np.median(c)),
        "frame ms p95": float(np.percentile(c, 95)),
        "frame ms max": float(c.max()),
        "metrics lag (iterations) max": int(max(lag)),
    }


def play_loop(name: str, seconds: float, fps: float, max_age: float, probes_module: types.ModuleType, iterations: int = 200) -> dict:
    """The session worker's loop without the network: train in slices, and every 1/fps s make a
    frame (metrics up to `max_age` s old). Iterations and frames per second."""
    t = Trainer(PRESETS.get(name).config)
    t.step("iteration", iterations)
    ps = probes_module.make_probe_set(t)
    probes_module.probe(t, ps)
    start = last = time.perf_counter()
    its0, frames, worst, probing = t.iteration, 0, 0.0, 0.0
    while (now := time.perf_counter()) - start < seconds:
        if now - last >= 1 / fps:
            last = now
            probes_module.probe(t, ps, max_age)
            frames += 1
            took = time.perf_counter() - now
            worst, probing = max(worst, took), probing + took
        else:
            t.step("iteration", 1)
    wall = time.perf_counter() - start
    return {"it/s": (t.iteration - its0) / wall, "frames/s": frames / wall, "slowest frame ms": worst * 1000, "share of the time in frames": probing / wall}


# -- the JS estimator's subset error --------------------------------------------------------


def js_accuracy(b: types.SimpleNamespace | None) -> list[dict]:
    """Old (6,000 seeded random fakes) and new (2,000 stratified) subsets against the mean
    over all fakes, on states of several presets."""
    m = new_metrics
    states = [("gaussians", 200), ("gaussians", 3000), ("ring", 300), ("ring", 1500), ("grid", 1500)]
    out = []
    for name, its in states:
        t = Trainer(PRESETS.get(name).config)
        ps = new_probes.make_probe_set(t)
        t.step("iteration", its)
        fake = t.generate(ps.z_quadrature).double().numpy()
        pdf, k = t.p_data.pdf, m.KNN_K
        full = m.js_divergence_2d(pdf, None, fake, max_eval_points=len(fake))
        new = m.js_divergence_2d(pdf, None, fake)
        row = {"state": f"{name}@{its}", "all fakes": full, "new - all": new - full, "new strides sd": _stride_sd(pdf, fake, k, full)}
        if b is not None:
            row["old - all"] = b.metrics.js_divergence_2d(pdf, None, fake) - full
        out.append(row)
    return out


def _stride_sd(pdf, fake: np.ndarray, k: int, full: float) -> float:
    """sd over the possible offsets of the stratified stride, of (estimate − mean over all)."""
    m = new_metrics
    index = m.KnnIndex(fake, k)
    stride = -(-len(fake) // m.JS_EVAL_POINTS)
    errors = []
    for offset in range(stride):
        x = fake[index.order[offset::stride]]
        s = pdf(x) * (len(fake) * math.pi / math.exp(m._digamma_int(k))) * index.radius(x) ** 2
        phi, phi2 = m._js_terms(s)
        errors.append(m.LOG2 - 0.5 * (phi.mean() - 0.5 * m._trigamma_int(k) * phi2.mean()) - full)
    return float(np.std(errors))


# -- the wire -------------------------------------------------------------------------------


def wire() -> dict:
    """The frame as protocol version 4 sent it (JSON text) and as version 5 does (a binary
    frame, server/frames.py), in bytes and encoding time; decoding makes views (no copies)."""
    from server.frames import decode_frame, encode_frame
    from server.protocol import dumps, frame_message

    out = {}
    for name in ("figure1", "gaussians", "ring"):
        t = Trainer(PRESETS.get(name).config)
        t.step("iteration", 100)
        p = new_probes.probe(t, new_probes.make_probe_set(t))
        text = dumps(frame_message(p, "playing"))
        blob = encode_frame(frame_message(p, "playing", raw=True))
        out[name] = {
            "json bytes": len(text),
            "json encode ms": timed(lambda p=p: dumps(frame_message(p, "playing")), 50),
            "binary bytes": len(blob),
            "binary encode ms": timed(lambda p=p: encode_frame(frame_message(p, "playing", raw=True)), 50),
            "binary decode ms": timed(lambda blob=blob: decode_frame(blob), 50),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", default="figure1,gaussians,ring,grid")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--iterations", type=int, default=300, help="train this long before probing")
    ap.add_argument("--baseline", default="HEAD", help="git revision of the probe code to compare with ('' for none)")
    ap.add_argument("--out", help="write the figures as JSON here")
    ap.add_argument("--js-accuracy", action="store_true")
    ap.add_argument("--no-wire", action="store_true")
    ap.add_argument("--play", type=float, default=0.0, help="seconds per run of the play loop (gaussians, 60 frames/s), 0: skip")
    args = ap.parse_args()
    torch.set_num_threads(1)
    b = load_baseline(args.baseline) if args.baseline else None
    result: dict = {"baseline": b.commit if b else None, "torch threads": 1, "cpus": os.cpu_count(), "presets": {}, "spread": {}}
    print(f"baseline: {b.commit[:10] if b else 'none'}; {args.rounds} rounds x {args.reps} calls, medians, ms")
    for name in args.presets.split(","):
        rows = bench_preset(name, b, args.rounds, args.reps, args.iterations)
        result["presets"][name] = rows
        print(f"\n{name} (after {args.iterations} iterations)")
        print(f"  {'part (each part alone)':36s} {'old':>9s} {'new':>9s}")
        for label, r in rows["parts"].items():
            old = f"{r['old']:9.3f}" if "old" in r else f"{'-':>9s}"
            new = f"{r['new']:9.3f}" if "new" in r else f"{'-':>9s}"
            print(f"  {label:36s} {old} {new}")
        if rows["compared"]:
            print(f"  {'compared (sums of parts)':36s} {'old':>9s} {'new':>9s} {'old/new':>8s}")
            for label, r in rows["compared"].items():
                print(f"  {label:36s} {r['old']:9.3f} {r['new']:9.3f} {r['old/new']:8.2f}")
        if Trainer(PRESETS.get(name).config).p_data.dim == 2:
            runs = {"new": spread_pass(name, 150, 4, 0.25)}
            if b:
                runs["old"] = spread_pass(name, 150, 4, 0.25, b.probes)
            result["spread"][name] = runs
            print("  playing (4 iterations a frame, metrics up to 0.25 s old):")
            for which, r in runs.items():
                print(f"    {which}: frame mean {r['frame ms mean']:.2f} ms, p50 {r['frame ms p50']:.2f}, p95 {r['frame ms p95']:.2f}, "
                      f"max {r['frame ms max']:.2f}; {r['passes completed']} passes in {r['frames']} frames, "
                      f"metrics at most {r['metrics lag (iterations) max']} iterations behind")
    if args.play:
        print(f"\nplay loop: gaussians, a frame every 1/60 s, metrics up to 0.5 s old, {args.play:g} s per run, alternating")
        runs: dict[str, list[dict]] = {"new": [], "old": []}
        for _ in range(3):
            runs["new"].append(play_loop("gaussians", args.play, 60, 0.5, new_probes))
            if b:
                runs["old"].append(play_loop("gaussians", args.play, 60, 0.5, b.probes))
        result["play"] = runs
        for which, rs in runs.items():
            for r in rs:
                print(f"  {which}: {r['it/s']:6.1f} it/s, {r['frames/s']:5.1f} frames/s, slowest frame {r['slowest frame ms']:.1f} ms, "
                      f"{100 * r['share of the time in frames']:.1f} % of the time in frames")
    if args.js_accuracy:
        result["js accuracy"] = acc = js_accuracy(b)
        print("\nJS subset error against the mean over all 20,000 fakes (nats)")
        for r in acc:
            old = f"old {r['old - all']:+.4f}" if "old - all" in r else ""
            print(f"  {r['state']:16s} all {r['all fakes']:.4f}  new {r['new - all']:+.4f} (sd over strides {r['new strides sd']:.4f})  {old}")
    if not args.no_wire:
        result["wire"] = w = wire()
        print("\nwire:", json.dumps(w))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))
        print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
