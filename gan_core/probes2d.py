"""Probes for 2-D data: what the layered 2-D view draws and the metrics beside it.

- D's decision surface on a HEATMAP_CELLS² grid of cell centres over the view;
- the generator's manifold: G over a grid laid on the first two noise dimensions;
- fixed real and fake dots, and on each fake dot −∇ₓ of the generator's loss (where a G step
  pushes it);
- JS (cell-free: p_data's exact density, p_g's from nearest neighbours among G on ~20,000
  deterministic noise points, see metrics.py), sliced W₁, V(D, G) on fixed samples (probability
  objectives only), and the mode metrics where modes are known.
  Pushing 20,000 points through a 3×128 G costs ~20 ms, so live frames may reuse metrics up
  to `metrics_max_age` seconds old; the frame says which iteration they belong to."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import torch

from gan_core.metrics import MODE_SAMPLES, finite_or_none, js_divergence_2d, mode_metrics, sliced_wasserstein
from gan_core.objectives import VALUE_OPTIMUM, mmd_witness
from gan_core.trainer import Trainer

QUADRATURE_POINTS = 20_000
HEATMAP_CELLS = 48
MANIFOLD_LINES = 21
MANIFOLD_LINE_1D = 101  # points on the warped line when the noise has one dimension
DOTS_2D = 300


@dataclass
class ProbeSet2D:
    """Fixed inputs drawn once per reset, so nothing flickers between frames."""

    centres: torch.Tensor  # heatmap cell centres (HEATMAP_CELLS², 2), row-major from the bottom row
    z_quadrature: torch.Tensor
    real_quadrature: np.ndarray  # as many fixed data samples, float64, for JS and sliced W₁
    z_metric: torch.Tensor  # MODE_SAMPLES noise points for the mode metrics and V
    real_metric: torch.Tensor  # MODE_SAMPLES data points for V
    z_mesh: torch.Tensor
    mesh_shape: tuple[int, int]  # (nu, nv)
    real_dots: torch.Tensor
    fake_z: torch.Tensor
    cached_metrics: dict | None = None
    cached_at: float = -math.inf


def _cell_centres(view: tuple[tuple[float, float], tuple[float, float]], n: int) -> torch.Tensor:
    (x0, x1), (y0, y1) = view
    xc = x0 + (x1 - x0) * (np.arange(n) + 0.5) / n
    yc = y0 + (y1 - y0) * (np.arange(n) + 0.5) / n
    gy, gx = np.meshgrid(yc, xc, indexing="ij")
    return torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)


def make_probe_set_2d(trainer: Trainer) -> ProbeSet2D:
    c, p_data, prior = trainer.config, trainer.p_data, trainer.prior
    gen = torch.Generator().manual_seed(c.seed + 7919)
    if c.noise_dim == 1:
        nu, nv = MANIFOLD_LINE_1D, 1
        z_mesh = prior.grid(nu).unsqueeze(1)
    else:
        nu = nv = MANIFOLD_LINES
        g = prior.grid(MANIFOLD_LINES)
        zv, zu = torch.meshgrid(g, g, indexing="ij")  # u (z1) varies fastest
        z_mesh = torch.zeros(nu * nv, c.noise_dim)
        z_mesh[:, 0], z_mesh[:, 1] = zu.ravel(), zv.ravel()
    z_quadrature = prior.quadrature(c.noise_dim, QUADRATURE_POINTS, gen)
    return ProbeSet2D(
        centres=_cell_centres(p_data.view, HEATMAP_CELLS),
        z_quadrature=z_quadrature,
        real_quadrature=p_data.sample(len(z_quadrature), torch.Generator().manual_seed(c.seed + 7907)).double().numpy(),
        z_metric=prior.sample(MODE_SAMPLES, c.noise_dim, gen),
        real_metric=p_data.sample(MODE_SAMPLES, gen),
        z_mesh=z_mesh,
        mesh_shape=(nu, nv),
        real_dots=p_data.sample(DOTS_2D, gen),
        fake_z=prior.sample(DOTS_2D, c.noise_dim, gen),
    )


def second_network(trainer: Trainer, x: torch.Tensor, witness_real: torch.Tensor, witness_z: torch.Tensor) -> torch.Tensor:
    """What the view draws where the paper draws D: D(x) as a probability, a critic's score,
    or, for mmd (no discriminator), the MMD witness between fixed real and generated samples."""
    if trainer.objective.network == "none":
        return mmd_witness(x, witness_real, trainer.generate(witness_z))
    return trainer.discriminate(x)


def frame_header(trainer: Trainer, scalars: dict) -> dict:
    """The fields every frame starts with, 1-D or 2-D."""
    obj = trainer.objective
    return {
        "dim": trainer.p_data.dim,
        "iteration": trainer.iteration,
        "d_updates": trainer.d_updates,
        "g_updates": trainer.g_updates,
        "d_kind": obj.output,
        "network": obj.network,
        "score_centre": obj.score_centre,
        "scalars": scalars,
    }


def last_losses(trainer: Trainer) -> dict[str, float | None]:
    """The latest minibatch's losses and mean D outputs (None before any update)."""
    return {k: finite_or_none(v) for k, v in trainer.last.items()}


@torch.no_grad()
def metrics_2d(trainer: Trainer, ps: ProbeSet2D) -> dict:
    """JS, sliced W₁, V and the mode metrics of the current state (the costly part of a
    frame). JS is cell-free (p_data's exact density, p_g's by nearest neighbours, see
    metrics.py), so sharp modes are measured at their own scale."""
    p_data = trainer.p_data
    gz = trainer.generate(ps.z_quadrature).double().cpu().numpy()
    real = ps.real_quadrature
    fake_metric = trainer.generate(ps.z_metric)
    out: dict = {
        "js": finite_or_none(js_divergence_2d(p_data.pdf, real, gz)),
        "wasserstein": finite_or_none(sliced_wasserstein(real, gz)),
        "value": None,
        "value_optimum": None,
        "modes_covered": None,
        "modes_total": None,
        "hq_fraction": None,
        "metrics_iteration": trainer.iteration,
    }
    if trainer.objective.output == "probability":
        log_d_real = -torch.nn.functional.softplus(-trainer.discriminator_logit(ps.real_metric))
        log_1m_d_fake = -torch.nn.functional.softplus(trainer.discriminator_logit(fake_metric))
        out.update(value=finite_or_none(float(log_d_real.mean() + log_1m_d_fake.mean())), value_optimum=VALUE_OPTIMUM)
    if p_data.modes is not None:
        out.update(mode_metrics(fake_metric.cpu().numpy(), p_data.modes, p_data.mode_std))
    return out


@torch.no_grad()
def probe_2d(trainer: Trainer, ps: ProbeSet2D, metrics_max_age: float = 0.0) -> dict:
    """The 2-D view's layers and scalars. Metrics are recomputed unless the cached ones are
    younger than `metrics_max_age` seconds (0 = always fresh)."""
    p_data = trainer.p_data
    now = time.perf_counter()
    cached = ps.cached_metrics
    if cached is None or now - ps.cached_at >= metrics_max_age or trainer.iteration < cached["metrics_iteration"]:
        ps.cached_metrics, ps.cached_at = metrics_2d(trainer, ps), now
    scalars = last_losses(trainer) | ps.cached_metrics
    heat = second_network(trainer, ps.centres, ps.real_metric, ps.z_metric).squeeze(-1).cpu().numpy()
    modes = None
    if p_data.modes is not None:
        modes = {"centres": p_data.modes.astype(np.float32).ravel(), "radius": float(3.0 * p_data.mode_std)}

    fake = trainer.generate(ps.fake_z)
    nu, nv = ps.mesh_shape
    return {
        **frame_header(trainer, scalars),
        "view": [list(p_data.view[0]), list(p_data.view[1])],
        "heatmap": {"nx": HEATMAP_CELLS, "ny": HEATMAP_CELLS, "d": heat.astype(np.float32)},
        "real": ps.real_dots.cpu().numpy().ravel(),
        "fake": fake.cpu().numpy().ravel(),
        "gradients": trainer.generator_push(fake, ps.real_dots).cpu().numpy().ravel(),
        "manifold": {"nu": nu, "nv": nv, "xy": trainer.generate(ps.z_mesh).cpu().numpy().ravel()},
        "modes": modes,
    }
