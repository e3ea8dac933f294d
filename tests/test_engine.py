"""Engine tests: distributions, the p_g estimator, D*, JS, Algorithm 1's counts, config."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_core.config import ConfigError, LabConfig, config_schema, load_config_file, parse_assignments, validate_config
from gan_core.distributions import DISTRIBUTIONS
from gan_core.objectives import OBJECTIVES
from gan_core.presets import PRESETS
from gan_core.priors import PRIORS
from gan_core.probes import generated_mass, js_divergence, make_probe_set, optimal_discriminator, probe
from gan_core.trainer import Diverged, Trainer


@pytest.mark.parametrize("name", [n for n in DISTRIBUTIONS if DISTRIBUTIONS.get(n).dim == 1])
def test_distribution_pdf_cdf_and_sampler_agree(name: str) -> None:
    dist = DISTRIBUTIONS.get(name)
    xs = np.linspace(dist.view[0] - 5, dist.view[1] + 20, 200_001)
    pdf = dist.pdf(xs)
    assert abs(np.trapezoid(pdf, xs) - 1.0) < 1e-3
    # cdf is the integral of pdf
    cdf_num = np.concatenate([[0], np.cumsum((pdf[1:] + pdf[:-1]) / 2 * np.diff(xs))])
    assert np.max(np.abs(cdf_num - dist.cdf(xs))) < 2e-3
    samples = dist.sample(200_000, torch.Generator().manual_seed(1)).squeeze(1).numpy()
    mean, std = dist.mean_std()
    assert abs(samples.mean() - mean) < 0.02
    assert abs(samples.std() - std) < 0.02
    # most mass is inside the drawn view
    lo, hi = dist.view
    assert dist.cdf(np.array([hi]))[0] - dist.cdf(np.array([lo]))[0] > 0.99


@pytest.mark.parametrize("name", PRIORS.names())
def test_prior_quantile_grid_matches_samples(name: str) -> None:
    prior = PRIORS.get(name)
    grid = prior.grid(10_000).numpy()
    samples = prior.sample(200_000, 1, torch.Generator().manual_seed(0)).squeeze(1).numpy()
    assert np.all(np.diff(grid) > 0)
    for q in (0.1, 0.5, 0.9):
        assert abs(np.quantile(grid, q) - np.quantile(samples, q)) < 0.02


def test_optimal_discriminator_on_known_densities() -> None:
    x = np.linspace(-5, 5, 101)
    p_data = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    core = np.abs(x) < 3
    assert np.allclose(optimal_discriminator(p_data, p_data)[core], 0.5)
    # p_g = 3 p_data  ->  D* = 1/4 wherever the densities are not negligible
    assert np.allclose(optimal_discriminator(p_data, 3 * p_data)[core], 0.25)
    # far tails (both densities < 1e-3 of the peak) are undefined, not a confident 0 or 1
    assert np.isnan(optimal_discriminator(p_data, p_data)[np.abs(x) > 4]).all()
    # disjoint uniforms: D* = 1 on p_data's support, 0 on p_g's, undefined where both vanish
    pd = np.where((x > -2) & (x < 0), 0.5, 0.0)
    pg = np.where((x > 1) & (x < 3), 0.5, 0.0)
    d = optimal_discriminator(pd, pg)
    assert np.all(d[(x > -2) & (x < 0)] == 1.0)
    assert np.all(d[(x > 1) & (x < 3)] == 0.0)
    assert np.isnan(d[x < -3]).all()


def test_js_divergence_known_values() -> None:
    p = np.array([0.5, 0.5, 0.0, 0.0])
    assert js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence(p, p[::-1].copy()) == pytest.approx(math.log(2))
    # JS(Bernoulli(0.5) || Bernoulli(0.9)) by hand
    a, b = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    m = (a + b) / 2
    expected = 0.5 * np.sum(a * np.log(a / m)) + 0.5 * np.sum(b * np.log(b / m))
    assert js_divergence(a, b) == pytest.approx(expected)


def _linear_generator(trainer: Trainer, weight: float, bias: float) -> None:
    """Make G(z) = weight * z + bias exactly (no hidden layers)."""
    trainer.g_params = (torch.tensor([[weight]]), torch.tensor([bias]))


def test_p_g_estimator_matches_a_known_transform() -> None:
    """Uniform z in [-1, 1] through G(z) = 0.5 z + 4 gives U(3.5, 4.5): density 1 inside."""
    trainer = Trainer(LabConfig(g_layers=0, noise_dim=1))
    _linear_generator(trainer, 0.5, 4.0)
    frame = probe(trainer, make_probe_set(trainer))
    x, p_g = frame["x"], frame["p_g"]
    inside = (x > 3.52) & (x < 4.48)
    outside = (x < 3.48) | (x > 4.52)
    assert np.allclose(p_g[inside], 1.0, atol=0.01)
    assert np.all(p_g[outside] == 0.0)
    width = x[1] - x[0]
    assert p_g.sum() * width == pytest.approx(1.0, abs=1e-3)


def test_p_g_estimator_on_a_normal_prior_and_non_monotone_map() -> None:
    """Normal z through G(z) = 0.5 z + 4 is N(4, 0.5²); through G(z) = |z| it is the half-normal."""
    trainer = Trainer(LabConfig(g_layers=0, noise_dim=1, prior="normal"))
    _linear_generator(trainer, 0.5, 4.0)
    frame = probe(trainer, make_probe_set(trainer))
    x = frame["x"].astype(np.float64)
    exact = np.exp(-0.5 * ((x - 4) / 0.5) ** 2) / (0.5 * math.sqrt(2 * math.pi))
    assert np.max(np.abs(frame["p_g"] - exact)) < 0.02
    # Same distribution as p_data (gaussian N(4, 0.5²)): JS ~ 0 and D* ~ 1/2 where defined
    assert frame["scalars"]["js"] < 1e-3
    ds = frame["d_star"]
    assert np.nanmax(np.abs(ds[exact > 0.05] - 0.5)) < 0.02

    # non-monotone: two preimages per x
    gz = np.abs(PRIORS.get("normal").grid(20_000).numpy())
    edges = np.linspace(0, 4, 81)
    mass = generated_mass(gz, edges)[1:-1]
    centres = (edges[:-1] + edges[1:]) / 2
    half_normal = 2 * np.exp(-0.5 * centres**2) / math.sqrt(2 * math.pi)
    assert np.max(np.abs(mass / 0.05 - half_normal)) < 0.01


def test_generated_mass_counts_tails() -> None:
    edges = np.linspace(0, 1, 5)
    mass = generated_mass(np.array([-1.0, 0.1, 0.9, 1.0, 2.0]), edges)
    assert mass.tolist() == [0.2, 0.2, 0.0, 0.0, 0.4, 0.2]


@pytest.mark.parametrize("k", [1, 3])
def test_algorithm1_update_counts(k: int) -> None:
    trainer = Trainer(LabConfig(d_steps=k, batch_size=16, g_width=8, d_width=8))
    trainer.step("iteration", 4)
    assert (trainer.iteration, trainer.d_updates, trainer.g_updates) == (4, 4 * k, 4)
    trainer.step("discriminator", 2)
    trainer.step("generator", 1)
    assert (trainer.iteration, trainer.d_updates, trainer.g_updates) == (4, 4 * k + 2, 5)


def test_discriminator_step_leaves_generator_alone_and_vice_versa() -> None:
    trainer = Trainer(LabConfig(batch_size=16))
    g_before = [p.clone() for p in trainer.g_params]
    d_before = [p.clone() for p in trainer.d_params]
    trainer.step("discriminator")
    assert all(torch.equal(a, b) for a, b in zip(g_before, trainer.g_params))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, trainer.d_params))
    d_after = [p.clone() for p in trainer.d_params]
    trainer.step("generator")
    assert all(torch.equal(a, b) for a, b in zip(d_after, trainer.d_params))
    assert not all(torch.equal(a, b) for a, b in zip(g_before, trainer.g_params))


def test_discriminator_training_approaches_optimal_discriminator() -> None:
    """With G fixed, D trained alone moves toward D* = p_data / (p_data + p_g) (panel b)."""
    trainer = Trainer(LabConfig(g_layers=0, noise_dim=1, prior="normal", lr_d=3e-3, batch_size=512))
    _linear_generator(trainer, 1.0, 4.5)  # p_g = N(4.5, 1) overlapping p_data = N(4, 0.5²)
    ps = make_probe_set(trainer)
    trainer.step("discriminator", 1500)
    frame = probe(trainer, ps)
    mask = (frame["p_data"] + frame["p_g"]) > 0.3
    assert np.nanmean(np.abs(frame["d"][mask] - frame["d_star"][mask])) < 0.05


def test_same_seed_same_run_and_reset() -> None:
    a = Trainer(LabConfig(seed=3, batch_size=32))
    b = Trainer(LabConfig(seed=3, batch_size=32))
    a.step("iteration", 20)
    b.step("iteration", 20)
    assert all(torch.equal(x, y) for x, y in zip(a.g_params, b.g_params))
    first = dict(a.last)
    a.reset()
    assert a.iteration == 0
    a.step("iteration", 20)
    assert a.last == first
    c = Trainer(LabConfig(seed=4, batch_size=32))
    c.step("iteration", 20)
    assert not torch.equal(a.g_params[0], c.g_params[0])


def test_minimax_and_non_saturating_losses() -> None:
    logits = torch.tensor([-3.0, 0.0, 2.0])
    d = torch.sigmoid(logits)
    mm, ns = OBJECTIVES.get("minimax"), OBJECTIVES.get("non-saturating")
    assert mm.g_loss(logits).item() == pytest.approx(torch.log(1 - d).mean().item(), rel=1e-5)
    assert ns.g_loss(logits).item() == pytest.approx(-torch.log(d).mean().item(), rel=1e-5)
    real = torch.tensor([1.0, 2.0])
    expected = -(torch.log(torch.sigmoid(real)).mean() + torch.log(1 - d).mean())
    assert mm.d_loss(real, logits).item() == pytest.approx(expected.item(), rel=1e-5)
    # the minimax G gradient vanishes when D confidently rejects fakes; non-saturating does not
    z = torch.tensor([-8.0], requires_grad=True)
    (g_mm,) = torch.autograd.grad(mm.g_loss(z), z)
    (g_ns,) = torch.autograd.grad(ns.g_loss(z), z)
    assert abs(g_mm.item()) < 1e-3 < abs(g_ns.item())


def test_divergence_is_caught_and_state_kept_finite() -> None:
    trainer = Trainer(LabConfig(batch_size=16))
    trainer.step("iteration", 2)
    trainer.d_params = tuple(p * float("inf") for p in trainer.d_params)  # a blown-up D
    with pytest.raises(Diverged):
        trainer.step("generator")
    assert trainer.diverged
    with pytest.raises(Diverged):
        trainer.step("iteration")
    trainer.reset()
    trainer.step("iteration")
    assert trainer.diverged is None and trainer.iteration == 1


def test_high_learning_rate_sgd_diverges_cleanly() -> None:
    trainer = Trainer(LabConfig(optimizer="sgd", lr_d=1.0, lr_g=1.0, momentum=0.99, d_width=256, g_width=256))
    with pytest.raises(Diverged):
        trainer.step("iteration", 500)
    from gan_core.networks import all_finite

    assert all_finite(trainer.g_params) and all_finite(trainer.d_params)


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": "many"}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"lr_g": float("nan")}, "finite"),
        ({"lr_d": float("inf")}, "finite"),
        ({"lr_d": -0.1}, "lr_d"),
        ({"distribution": "cauchy"}, "gaussian"),
        ({"objective": "wgan-magic"}, "non-saturating"),
        ({"g_activation": "swish"}, "relu"),
        ({"no_such_field": 1}, "unknown setting"),
        ({"d_steps": 1000}, "d_steps"),
    ],
)
def test_config_validation_rejects_nonsense(changes: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        LabConfig().updated(changes)


def test_config_text_values_and_files(tmp_path) -> None:
    config = parse_assignments(LabConfig(), ["lr_g=0.01", "g_layers=3", "objective=minimax"])
    assert (config.lr_g, config.g_layers, config.objective) == (0.01, 3, "minimax")
    with pytest.raises(ConfigError, match="key=value"):
        parse_assignments(LabConfig(), ["lr_g"])
    with pytest.raises(ConfigError, match="lr_g"):
        parse_assignments(LabConfig(), ["lr_g=fast"])
    saved = tmp_path / "run.json"
    saved.write_text('{"config": {"seed": 5, "distribution": "bimodal"}, "metrics": {}}')
    assert load_config_file(str(saved)).seed == 5
    saved.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_config_file(str(saved))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config_file(str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError):
        validate_config([1, 2])


def test_schema_lists_registries_and_presets_validate() -> None:
    schema = config_schema()
    props = schema["properties"]
    assert props["distribution"]["enum"] == DISTRIBUTIONS.names()
    assert props["objective"]["enum"] == OBJECTIVES.names()
    assert all("group" in p and "description" in p for p in props.values())
    assert "figure1" in PRESETS
    for name in PRESETS:
        validate_config(PRESETS.get(name).config.model_dump())
