"""Probes: turn a Trainer's state into what the page draws and the metrics it shows.

p_g estimator (1-D data, 1-D noise): *quadrature over the noise*. G is applied to N = 20,000
equal-mass quantiles of p_z, and each bin of the x grid gets the fraction of those points that
land in it. That is the change of variables integrated bin by bin with the midpoint rule:
deterministic (no sampling noise, so the curve does not flicker), exact as N grows, and
right even when G is not monotone (several z map to one x). With 2 or 3 noise dimensions the
points are a product grid of per-axis quantiles (141² or 27³ points), still deterministic;
above that, a fixed set of N noise samples (Monte Carlo).

JS(p_data ‖ p_g) in nats is the discrete JS between the bin masses of both on the drawing
grid (400 bins) plus one bin for each tail outside it. p_data's bin masses are exact (cdf
differences). Binning can only lower JS (data processing), so this is a slight
underestimate of the continuous JS that is tight once p_g is smooth at the bin scale.

Cost: the quadrature goes through G in chunks (forward_chunk: ~1.7× faster than one call of
20,000 rows for a 64-wide G, the same for figure1's 32-wide one), the mapping lines, the dots
and the spread points in one more call, and W₁'s grid is prepared once per probe set
(Wasserstein1D, ~1.3× faster): a figure1 frame, metrics included, is ~4.5 ms on the 2 shared
cores (bench/bench_frame.py), of which G on the quadrature is ~1.9 and W₁ ~1.4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gan_core.metrics import Wasserstein1D, finite_or_none, js_divergence
from gan_core.objectives import VALUE_OPTIMUM, bce_optimum
from gan_core.probes2d import (
    METRICS_SLICE_SECONDS,
    QUADRATURE_POINTS,
    ProbeSet2D,
    forward_chunked,
    frame_header,
    last_losses,
    make_probe_set_2d,
    metrics_2d,
    probe_2d,
    second_network,
)
from gan_core.probes_models import MODEL_SCALARS, classifier_layers, fake_labels, labelled_points, model_metrics, real_labels
from gan_core.trainer import Trainer

GRID_POINTS = 400
MAPPING_LINES = 41
SAMPLE_DOTS = 120
WITNESS_SAMPLES = 2000  # fixed real and fake samples behind the MMD witness curve


@dataclass
class ProbeSet:
    """Fixed inputs for a session's probes (drawn once per reset, so dots do not flicker)."""

    edges: np.ndarray  # bin edges over the view, GRID_POINTS + 1
    x: torch.Tensor  # bin centres, (GRID_POINTS, 1)
    p_data: np.ndarray  # exact density at the centres
    data_mass: np.ndarray  # exact mass per bin, with two tail bins (GRID_POINTS + 2)
    z_quadrature: torch.Tensor  # (QUADRATURE_POINTS, noise_dim)
    z_lines: torch.Tensor  # (MAPPING_LINES, noise_dim)
    real_dots: torch.Tensor
    fake_z: torch.Tensor
    witness_real: torch.Tensor
    witness_z: torch.Tensor
    w1: Wasserstein1D  # W₁ to p_data, its grid prepared
    z_frame: torch.Tensor  # z_lines, fake_z, then the spread points: a frame's one small G call


def make_probe_set(trainer: Trainer) -> ProbeSet | ProbeSet2D:
    """Fixed probe inputs for the trainer's data dimension."""
    if trainer.p_data.dim == 2:
        return make_probe_set_2d(trainer)
    return make_probe_set_1d(trainer)


def make_probe_set_1d(trainer: Trainer) -> ProbeSet:
    c = trainer.config
    p_data, prior = trainer.p_data, trainer.prior
    lo, hi = p_data.view
    edges = np.linspace(lo, hi, GRID_POINTS + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    cdf = p_data.cdf(edges)
    data_mass = np.concatenate([[cdf[0]], np.diff(cdf), [1.0 - cdf[-1]]])
    gen = torch.Generator().manual_seed(c.seed + 7919)
    z_quadrature = prior.quadrature(c.noise_dim, QUADRATURE_POINTS, gen)
    # Mapping lines: equal-mass z along the first noise axis (others at their median, 0),
    # so where the lines bunch up on the x axis p_g is dense, as in the paper's figure.
    z_lines = torch.zeros(MAPPING_LINES, c.noise_dim)
    z_lines[:, 0] = prior.grid(MAPPING_LINES)
    real_dots = p_data.sample(SAMPLE_DOTS, gen)  # drawn in this order: the same dots as before
    fake_z = prior.sample(SAMPLE_DOTS, c.noise_dim, gen)
    return ProbeSet(
        edges=edges,
        x=torch.tensor(centres, dtype=torch.float32).unsqueeze(1),
        p_data=p_data.pdf(centres),
        data_mass=np.clip(data_mass, 0.0, None),
        z_quadrature=z_quadrature,
        z_lines=z_lines,
        real_dots=real_dots,
        fake_z=fake_z,
        witness_real=p_data.sample(WITNESS_SAMPLES, gen),
        witness_z=prior.sample(WITNESS_SAMPLES, c.noise_dim, gen),
        w1=Wasserstein1D(p_data.cdf, p_data.view),
        z_frame=torch.cat([z_lines, fake_z, spread_z(trainer, z_lines)]),
    )


def generated_mass(samples: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Fraction of `samples` per bin, with the two tails outside the edges first and last."""
    counts = np.histogram(samples, bins=edges)[0].astype(np.float64)
    below = np.count_nonzero(samples < edges[0])
    above = np.count_nonzero(samples >= edges[-1])
    if samples.size:
        # np.histogram puts x == edges[-1] in the last bin; count it there, not in the tail.
        above -= np.count_nonzero(samples == edges[-1])
    mass = np.concatenate([[below], counts, [above]])
    return mass / max(samples.size, 1)


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray, rel_eps: float = 1e-3) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g) (Proposition 1); NaN where both densities are
    negligible (below rel_eps of p_data's peak), where D* is undefined or decided by a handful
    of samples."""
    return bce_optimum(p_data, p_g, 1.0)


def probe(trainer: Trainer, ps: ProbeSet | ProbeSet2D, metrics_max_age: float = 0.0, metrics_slice: float = METRICS_SLICE_SECONDS) -> dict:
    """What the page draws for this state (1-D Figure 1 or the 2-D view) plus the scalars.
    In 2-D, `metrics_max_age` lets live frames reuse recent metrics, and a new pass of them is
    spread over frames, about `metrics_slice` seconds each (see probes2d.py). A 1-D frame
    computes its metrics every time (JS and V come with its p_g curve; W₁ costs ~1.4 ms)."""
    if isinstance(ps, ProbeSet2D):
        return probe_2d(trainer, ps, metrics_max_age, metrics_slice)
    return probe_1d(trainer, ps)


SPREAD_POINTS = 64  # points over the other noise dimensions behind each mapping line's spread


def spread_z(trainer: Trainer, z_lines: torch.Tensor) -> torch.Tensor:
    """SPREAD_POINTS fixed noise points per mapping line, sharing its z₁ (none with 1-D noise)."""
    c = trainer.config
    if c.noise_dim == 1:
        return torch.zeros(0, 1)
    others = trainer.prior.sample(SPREAD_POINTS, c.noise_dim, torch.Generator().manual_seed(c.seed + 31337))
    z = others.repeat(MAPPING_LINES, 1)
    z[:, 0] = z_lines[:, 0].repeat_interleave(SPREAD_POINTS)
    return z


def mapping_spread(trainer: Trainer, ps: ProbeSet, x: torch.Tensor | None = None) -> dict[str, np.ndarray | None]:
    """With several noise dimensions a line from z₁ is not one x: G(z₁, z₂, ...) spreads over
    a range as the other dimensions vary. mapping_lo / mapping_hi are its 5 % and 95 %
    quantiles for each line's z₁ (None with 1-D noise, where the lines are G exactly). `x`: G
    at the spread points, if the caller has it."""
    if trainer.config.noise_dim == 1:
        return {"mapping_lo": None, "mapping_hi": None}
    if x is None:
        x = trainer.generate(ps.z_frame[MAPPING_LINES + SAMPLE_DOTS :])
    q = torch.quantile(x.reshape(MAPPING_LINES, SPREAD_POINTS).cpu(), torch.tensor([0.05, 0.95]), dim=1)
    return {"mapping_lo": q[0].numpy(), "mapping_hi": q[1].numpy()}


@torch.no_grad()
def probe_1d(trainer: Trainer, ps: ProbeSet) -> dict:
    """Everything the Figure-1 view draws, plus the per-frame scalars. Arrays are NumPy
    float32; scalars are floats (None when undefined, e.g. a loss before any update)."""
    width = ps.edges[1] - ps.edges[0]
    gz = forward_chunked(trainer.generate, ps.z_quadrature, trainer.config.g_width).squeeze(1).double().numpy()
    g_mass = generated_mass(gz, ps.edges)
    p_g = g_mass[1:-1] / width
    obj, s = trainer.objective, trainer.settings
    d = second_network(trainer, ps.x, ps.witness_real, ps.witness_z).squeeze(-1).double().cpu().numpy()
    scalars = last_losses(trainer)
    scalars.update(
        js=finite_or_none(js_divergence(ps.data_mass, g_mass)),
        wasserstein=finite_or_none(ps.w1.distance(gz)),
        value=None,
        value_optimum=None,
    )
    if obj.output == "probability" and trainer.runtime is None:  # V is the plain GAN's game
        # V(D, G) integrated over the same bins (each tail at the view's edge): deterministic,
        # consistent with the drawn curves, and ~50x cheaper than evaluating D on every sample.
        x_ext = torch.cat([torch.tensor([[ps.edges[0]]], dtype=torch.float32), ps.x, torch.tensor([[ps.edges[-1]]], dtype=torch.float32)])
        logit = trainer.discriminator_logit(x_ext).squeeze(1).double().cpu()
        log_d = (-torch.nn.functional.softplus(-logit)).numpy()
        log_1m_d = (-torch.nn.functional.softplus(logit)).numpy()
        scalars.update(value=finite_or_none(float(np.dot(ps.data_mass, log_d) + np.dot(g_mass, log_1m_d))), value_optimum=VALUE_OPTIMUM)
    # D* = p_data / (p_data + p_g) is the plain GAN's; a model's D takes labels, or classifies
    has_optimum = obj.optimum is not None and trainer.runtime is None
    d_star = obj.optimum(ps.p_data, p_g, s.real_target).astype(np.float32) if has_optimum else None
    model_scalars, per_class = model_metrics(trainer)
    scalars.update(model_scalars)
    prior = trainer.prior
    labels = fake_labels(trainer, len(ps.z_frame))
    g = trainer.generate(ps.z_frame, labels).squeeze(1).cpu()
    return {
        **frame_header(trainer, scalars),
        "view": list(trainer.p_data.view),
        "z_view": list(prior.view),
        "noise_dim": trainer.config.noise_dim,
        "x": ps.x.squeeze(1).numpy(),
        "p_data": ps.p_data.astype(np.float32),
        "p_g": p_g.astype(np.float32),
        "d": d.astype(np.float32),
        "d_star": d_star,
        "mapping_z": ps.z_lines[:, 0].numpy(),
        "mapping_x": g[:MAPPING_LINES].numpy(),
        **mapping_spread(trainer, ps, g[MAPPING_LINES + SAMPLE_DOTS :]),
        "real": ps.real_dots.squeeze(1).numpy(),
        "fake": g[MAPPING_LINES : MAPPING_LINES + SAMPLE_DOTS].numpy(),
        "real_labels": real_labels(trainer, ps.real_dots),
        "fake_labels": None if labels is None else labels[MAPPING_LINES : MAPPING_LINES + SAMPLE_DOTS].float().numpy(),
        "class_accuracy": per_class,
        "classifier": classifier_layers(trainer, ps.x),
        "labelled": labelled_points(trainer),
    }


def metrics(trainer: Trainer, ps: ProbeSet | ProbeSet2D) -> dict[str, float | int | None]:
    """The scalars of `probe` only (for the headless CLI)."""
    if isinstance(ps, ProbeSet2D):
        scalars = last_losses(trainer) | metrics_2d(trainer, ps)
        scalars.pop("metrics_iteration")
    else:
        frame = probe(trainer, ps)
        scalars = frame["scalars"]
        if trainer.runtime is not None:
            per_class = frame["class_accuracy"]
            scalars["class_accuracy"] = None if per_class is None else per_class.tolist()
    if trainer.runtime is None:  # the plain GAN's output stays as it was
        for key in ("class_accuracy", *MODEL_SCALARS):
            scalars.pop(key, None)
    return {"iteration": trainer.iteration, **scalars}
