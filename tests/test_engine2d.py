"""Engine tests for 2-D data: distributions, metrics, probes, the drawn distribution, g_steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.config import ConfigError, LabConfig, validate_config
from gan_core.distributions import DISTRIBUTIONS
from gan_core.distributions2d import drawn_distribution
from gan_core.metrics import js_divergence, js_divergence_2d, mode_metrics, sliced_wasserstein
from gan_core.presets import PRESETS
from gan_core.probes import make_probe_set, metrics, probe
from gan_core.probes2d import DOTS_2D, HEATMAP_CELLS, MANIFOLD_LINE_1D, MANIFOLD_LINES
from gan_core.trainer import Trainer

NAMES_2D = [n for n in DISTRIBUTIONS if DISTRIBUTIONS.get(n).dim == 2]


def test_the_issue_s_distributions_are_registered() -> None:
    assert {"ring", "ring-wide", "grid", "line", "clusters", "moons", "spiral", "square", "drawn"} <= set(NAMES_2D)


@pytest.mark.parametrize("name", NAMES_2D)
def test_2d_density_integrates_and_sampler_matches_moments(name: str) -> None:
    dist = DISTRIBUTIONS.get(name)
    (x0, x1), (y0, y1) = dist.view
    # the density integrates to ~1 over the view (the midpoint rule is exact to ~1e-9 for a
    # Gaussian as wide as the cell, so 300² cells suffice even for the ring's std 0.02)
    n = 300
    xs = x0 + (x1 - x0) * (np.arange(n) + 0.5) / n
    ys = y0 + (y1 - y0) * (np.arange(n) + 0.5) / n
    cell = (x1 - x0) * (y1 - y0) / n**2
    total = sum(dist.pdf(np.stack([xs, np.full(n, y)], 1)).sum() * cell for y in ys)
    assert abs(total - 1.0) < 0.01
    # exact cell masses: sum to ~1 inside the view and agree with the pdf on a coarse grid
    edges_x, edges_y = np.linspace(x0, x1, 41), np.linspace(y0, y1, 41)
    mass = dist.cell_mass(edges_x, edges_y)
    assert mass.shape == (40, 40)
    assert abs(mass.sum() - 1.0) < 0.01
    samples = dist.sample(100_000, torch.Generator().manual_seed(3)).numpy()
    assert samples.shape == (100_000, 2)
    counts = np.histogram2d(samples[:, 1], samples[:, 0], bins=[edges_y, edges_x])[0] / len(samples)  # rows = y
    assert np.abs(counts - mass).max() < 0.01
    mean, cov = dist.mean_cov()
    assert np.allclose(samples.mean(0), mean, atol=0.03)
    assert np.allclose(np.cov(samples.T), cov, atol=0.05 * max(1.0, np.abs(cov).max()))


def test_a_perfect_ring_sampler_scores_8_of_8_and_a_collapsed_one_1_of_8() -> None:
    ring = DISTRIBUTIONS.get("ring")
    perfect = ring.sample(2500, torch.Generator().manual_seed(0)).numpy()
    m = mode_metrics(perfect, ring.modes, ring.mode_std)
    assert m["modes_covered"] == 8 and m["modes_total"] == 8 and m["hq_fraction"] >= 0.95
    collapsed = ring.modes[3] + 0.01 * np.random.default_rng(0).standard_normal((2500, 2))
    m = mode_metrics(collapsed, ring.modes, ring.mode_std)
    assert m["modes_covered"] == 1 and m["hq_fraction"] > 0.95
    # spread between the modes: nothing is high quality
    between = np.zeros((2500, 2))
    assert mode_metrics(between, ring.modes, ring.mode_std) == {"modes_covered": 0, "modes_total": 8, "hq_fraction": 0.0}
    grid = DISTRIBUTIONS.get("grid")
    m = mode_metrics(grid.sample(2500, torch.Generator().manual_seed(1)).numpy(), grid.modes, grid.mode_std)
    assert m["modes_covered"] == 25 and m["hq_fraction"] >= 0.95


def test_discrete_js() -> None:
    p = np.array([0.5, 0.5, 0.0, 0.0])
    assert js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence(p, np.array([0.0, 0.0, 0.5, 0.5])) == pytest.approx(np.log(2))


def test_metrics_of_a_generator_that_samples_p_data_exactly_are_near_zero() -> None:
    """Feed the metrics the data's own samples in place of G's: JS and sliced W₁ must be small."""
    trainer = Trainer(LabConfig(distribution="clusters", prior="normal"))
    ps = make_probe_set(trainer)
    data = trainer.p_data.sample(20_000, torch.Generator().manual_seed(5)).double().numpy()
    assert js_divergence_2d(trainer.p_data.pdf, ps.real_quadrature, data) < 0.02
    assert sliced_wasserstein(ps.real_quadrature, data) < 0.03


@pytest.mark.parametrize("noise_dim", [1, 2, 5])
def test_2d_probe_shapes(noise_dim: int) -> None:
    trainer = Trainer(LabConfig(distribution="ring", prior="normal", noise_dim=noise_dim))
    ps = make_probe_set(trainer)
    trainer.step("iteration", 3)
    frame = probe(trainer, ps)
    assert frame["dim"] == 2
    assert frame["heatmap"]["d"].shape == (HEATMAP_CELLS * HEATMAP_CELLS,)
    assert frame["heatmap"]["nx"] == frame["heatmap"]["ny"] == HEATMAP_CELLS
    assert ((frame["heatmap"]["d"] >= 0) & (frame["heatmap"]["d"] <= 1)).all()
    assert frame["real"].shape == frame["fake"].shape == frame["gradients"].shape == (2 * DOTS_2D,)
    nu, nv = frame["manifold"]["nu"], frame["manifold"]["nv"]
    assert (nu, nv) == ((MANIFOLD_LINE_1D, 1) if noise_dim == 1 else (MANIFOLD_LINES, MANIFOLD_LINES))
    assert frame["manifold"]["xy"].shape == (2 * nu * nv,)
    assert frame["modes"]["centres"].shape == (16,)
    assert frame["modes"]["radius"] == pytest.approx(0.06)
    s = frame["scalars"]
    assert s["modes_total"] == 8 and 0 <= s["hq_fraction"] <= 1 and 0 <= s["js"] <= np.log(2) + 1e-9
    assert s["metrics_iteration"] == 3


def test_distributions_without_modes_report_none() -> None:
    trainer = Trainer(LabConfig(distribution="moons", prior="normal"))
    frame = probe(trainer, make_probe_set(trainer))
    assert frame["modes"] is None
    assert frame["scalars"]["modes_covered"] is None and frame["scalars"]["hq_fraction"] is None


def test_gradient_arrows_point_where_d_says_real() -> None:
    """−∇ₓ(G's loss) on a fake point is the direction that raises D there."""
    trainer = Trainer(LabConfig(distribution="ring", prior="normal"))
    trainer.step("discriminator", 30)
    x = trainer.generate(torch.randn(200, 2, generator=torch.Generator().manual_seed(0)))
    push = trainer.generator_push(x, trainer.p_data.sample(300, torch.Generator().manual_seed(1)))
    step = 1e-3 * push / push.norm(dim=1, keepdim=True).clamp_min(1e-12)
    raised = trainer.discriminator_logit(x + step) > trainer.discriminator_logit(x)
    assert raised.float().mean() > 0.95


def test_metrics_are_cached_only_when_asked() -> None:
    trainer = Trainer(LabConfig(distribution="ring", prior="normal"))
    ps = make_probe_set(trainer)
    probe(trainer, ps)
    trainer.step("iteration", 2)
    assert probe(trainer, ps, metrics_max_age=60.0)["scalars"]["metrics_iteration"] == 0
    assert probe(trainer, ps)["scalars"]["metrics_iteration"] == 2
    record = metrics(trainer, ps)
    assert record["iteration"] == 2 and "metrics_iteration" not in record


def test_generator_steps_per_iteration() -> None:
    trainer = Trainer(LabConfig(distribution="clusters", d_steps=2, g_steps=3))
    trainer.step("iteration", 4)
    assert (trainer.iteration, trainer.d_updates, trainer.g_updates) == (4, 8, 12)


def test_drawn_distribution_validation_and_training() -> None:
    points = [[-1.0, -1.0], [0.0, 0.5], [1.0, 1.0], [1.5, -0.5]]
    config = validate_config({"distribution": "drawn", "drawn_points": points})
    trainer = Trainer(config)
    assert trainer.p_data.dim == 2 and np.allclose(trainer.p_data.modes is None, True)
    samples = trainer.p_data.sample(4000, torch.Generator().manual_seed(0)).numpy()
    nearest = np.min(np.linalg.norm(samples[:, None, :] - np.array(points)[None], axis=2), axis=1)
    assert np.quantile(nearest, 0.95) < 0.3  # samples sit on the drawing
    trainer.step("iteration", 5)
    frame = probe(trainer, make_probe_set(trainer))
    assert np.isfinite(frame["fake"]).all() and frame["scalars"]["js"] is not None
    # the text form the URL carries
    assert validate_config({"distribution": "drawn", "drawn_points": "-1,-1; 0,0.5;1,1"}, strict=False).drawn_points[1] == (0.0, 0.5)
    assert drawn_distribution(points).pdf(np.array([[0.0, 0.5]]))[0] > 1.0


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"distribution": "drawn"}, "at least 3 drawn points"),
        ({"distribution": "drawn", "drawn_points": [[0, 0], [1, 1]]}, "got 2"),
        ({"drawn_points": [[0, 0], [9, 1]]}, "outside the drawing area"),
        ({"drawn_points": [[0, 0, 1]]}, "drawn_points"),
        ({"drawn_points": "hello"}, "drawn_points"),
        ({"drawn_points": [[0, 0]] * 501}, "drawn_points"),
        ({"g_steps": 0}, "g_steps"),
    ],
)
def test_drawn_and_g_steps_nonsense_is_refused(changes: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        LabConfig().updated(changes)


def test_2d_presets_exist_and_are_2d() -> None:
    for name in ("ring", "grid", "gaussians"):
        config = PRESETS.get(name).config
        assert DISTRIBUTIONS.get(config.distribution).dim == 2
    g = PRESETS.get("gaussians").config
    assert (g.g_layers, g.g_width, g.d_layers, g.d_width, g.batch_size, g.optimizer, g.d_steps, g.prior, g.noise_dim) == (
        1, 8, 1, 8, 150, "sgd", 2, "normal", 2,
    )
