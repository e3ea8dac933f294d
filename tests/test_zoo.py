"""The GAN zoo: every loss and regulariser against hand-computed values, the optimizers
against torch.optim, live configuration changes, and every objective and trick on the ring."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_core import objectives as O
from gan_core import optim
from gan_core.config import ConfigError, LabConfig
from gan_core.networks import init_spectral_vectors, minibatch_features, power_iteration, spectral_sigmas
from gan_core.objectives import OBJECTIVES
from gan_core.presets import PRESETS
from gan_core.regularizers import REGULARIZERS
from gan_core.trainer import Batch, Diverged, StepSettings, Trainer, discriminator_step, generator_loss

torch.set_num_threads(1)

REAL = [0.5, -1.0, 2.0]
FAKE = [2.0, 0.0, -0.5]


def _t(values: list[float]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64).unsqueeze(1)


def _sig(t: float) -> float:
    return 1 / (1 + math.exp(-t))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


# -- losses against hand-computed values ------------------------------------------------------
HAND_D = {
    "minimax": _mean([-math.log(_sig(r)) for r in REAL]) + _mean([-math.log(1 - _sig(f)) for f in FAKE]),
    "non-saturating": _mean([-math.log(_sig(r)) for r in REAL]) + _mean([-math.log(1 - _sig(f)) for f in FAKE]),
    "least-squares": 0.5 * _mean([(r - 1) ** 2 for r in REAL]) + 0.5 * _mean([f**2 for f in FAKE]),
    "wasserstein": _mean(FAKE) - _mean(REAL),
    "wasserstein-gp": _mean(FAKE) - _mean(REAL),
    "hinge": _mean([max(0, 1 - r) for r in REAL]) + _mean([max(0, 1 + f) for f in FAKE]),
    "relativistic": _mean([-math.log(_sig(r - f)) for r, f in zip(REAL, FAKE)]),
    "relativistic-average": _mean([-math.log(_sig(r - _mean(FAKE))) for r in REAL]) + _mean([-math.log(1 - _sig(f - _mean(REAL))) for f in FAKE]),
}
HAND_G = {
    "minimax": _mean([math.log(1 - _sig(f)) for f in FAKE]),
    "non-saturating": _mean([-math.log(_sig(f)) for f in FAKE]),
    "least-squares": 0.5 * _mean([(f - 1) ** 2 for f in FAKE]),
    "wasserstein": -_mean(FAKE),
    "wasserstein-gp": -_mean(FAKE),
    "hinge": -_mean(FAKE),
    "relativistic": _mean([-math.log(_sig(f - r)) for r, f in zip(REAL, FAKE)]),
    "relativistic-average": _mean([-math.log(_sig(f - _mean(REAL))) for f in FAKE]) + _mean([-math.log(1 - _sig(r - _mean(FAKE))) for r in REAL]),
}


@pytest.mark.parametrize("name", [n for n in OBJECTIVES if n != "mmd"])
def test_losses_match_hand_computed_values(name: str) -> None:
    obj = OBJECTIVES.get(name)
    assert obj.d_loss is not None and obj.g_loss is not None
    assert obj.d_loss(_t(REAL), _t(FAKE), 1.0).item() == pytest.approx(HAND_D[name], rel=1e-12)
    assert obj.g_loss(_t(FAKE), _t(REAL)).item() == pytest.approx(HAND_G[name], rel=1e-12)


def test_every_objective_is_covered_and_says_what_its_network_outputs() -> None:
    assert set(HAND_D) | {"mmd"} == set(OBJECTIVES)
    assert {n for n in OBJECTIVES if OBJECTIVES.get(n).output == "probability"} == {"minimax", "non-saturating"}
    assert {n for n in OBJECTIVES if OBJECTIVES.get(n).network == "critic"} == {"wasserstein", "wasserstein-gp", "hinge", "relativistic", "relativistic-average"}
    for n in OBJECTIVES:
        obj = OBJECTIVES.get(n)
        assert (obj.optimum is None) == bool(obj.no_optimum), n  # an overlay, or the reason there is none


def test_label_smoothing_by_hand() -> None:
    a = 0.9
    bce = _mean([-(a * math.log(_sig(r)) + (1 - a) * math.log(1 - _sig(r))) for r in REAL]) + _mean([-math.log(1 - _sig(f)) for f in FAKE])
    assert O.bce_discriminator(_t(REAL), _t(FAKE), a).item() == pytest.approx(bce, rel=1e-12)
    ls = 0.5 * _mean([(r - a) ** 2 for r in REAL]) + 0.5 * _mean([f**2 for f in FAKE])
    assert O.least_squares_discriminator(_t(REAL), _t(FAKE), a).item() == pytest.approx(ls, rel=1e-12)


def test_optima_for_a_fixed_generator() -> None:
    p_data, p_g = np.array([1.0, 1.0, 0.0, 3.0]), np.array([1.0, 3.0, 2.0, 1.0])
    assert np.allclose(O.bce_optimum(p_data, p_g), [0.5, 0.25, 0.0, 0.75])
    assert np.allclose(O.bce_optimum(p_data, p_g, 0.9), [0.45, 0.225, 0.0, 0.675])
    assert np.allclose(O.least_squares_optimum(p_data, p_g), [0.5, 0.25, 0.0, 0.75])


def test_mmd_unbiased_and_witness_by_hand() -> None:
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(5, 2, generator=gen, dtype=torch.float64), torch.randn(4, 2, generator=gen, dtype=torch.float64) + 0.5
    bw = (0.5, 2.0)

    def k(a: torch.Tensor, b: torch.Tensor) -> float:
        d2 = float(((a - b) ** 2).sum())
        return sum(math.exp(-d2 / (2 * s * s)) for s in bw)

    xx = sum(k(x[i], x[j]) for i in range(5) for j in range(5) if i != j) / 20
    yy = sum(k(y[i], y[j]) for i in range(4) for j in range(4) if i != j) / 12
    xy = sum(k(x[i], y[j]) for i in range(5) for j in range(4)) / 20
    assert O.mmd2_unbiased(x, y, bw).item() == pytest.approx(xx + yy - 2 * xy, rel=1e-10)
    t = torch.tensor([[0.1, -0.2]], dtype=torch.float64)
    witness = sum(k(xi, t[0]) for xi in x) / 5 - sum(k(yi, t[0]) for yi in y) / 4
    assert O.mmd_witness(t, x, y, bw).item() == pytest.approx(witness, rel=1e-10)


# -- regularisers ---------------------------------------------------------------------------
def _linear_critic_trainer(objective: str, **fields: object) -> Trainer:
    """A trainer whose critic is linear, C(x) = w·x + b: its input gradient is w everywhere."""
    c = PRESETS.get("mode-collapse").config.updated({"objective": objective, "d_layers": 0, "batch_size": 16, **fields})
    t = Trainer(c)
    t.d_params = (torch.tensor([[0.6, -1.3]]), torch.tensor([0.2]))
    t.d_state = optim.init_state(t.d_params)
    return t


def _d_loss_of_one_step(t: Trainer, batch: Batch) -> tuple[float, float, float]:
    _, _, stats, _ = discriminator_step(t.d_params, t.d_state, t.g_params, batch, t.settings)
    return tuple(stats.tolist())  # type: ignore[return-value]


def test_gradient_penalty_of_a_linear_critic_is_lambda_times_norm_minus_one_squared() -> None:
    t = _linear_critic_trainer("wasserstein-gp", gp_weight=3.0)
    gen = torch.Generator().manual_seed(1)
    x_real, z = torch.randn(16, 2, generator=gen), torch.randn(16, 2, generator=gen)
    batch = Batch(z=z, x_real=x_real, eps=torch.rand(16, 1, generator=gen))
    loss, c_real, c_fake = _d_loss_of_one_step(t, batch)
    w_norm = math.hypot(0.6, -1.3)
    assert loss == pytest.approx(c_fake - c_real + 3.0 * (w_norm - 1) ** 2, rel=1e-5)


def test_r1_penalty_of_a_linear_discriminator_is_half_gamma_norm_squared() -> None:
    t = _linear_critic_trainer("non-saturating", regularizers=["gradient-penalty-r1"], r1_gamma=2.0)
    gen = torch.Generator().manual_seed(2)
    x_real, z = torch.randn(16, 2, generator=gen), torch.randn(16, 2, generator=gen)
    loss, _, _ = _d_loss_of_one_step(t, Batch(z=z, x_real=x_real))
    with torch.no_grad():
        real = t.settings.discriminator(t.d_params, x_real)
        fake = t.settings.discriminator(t.d_params, t.settings.generator(t.g_params, z))
    plain = O.bce_discriminator(real, fake).item()
    assert loss == pytest.approx(plain + 0.5 * 2.0 * (0.6**2 + 1.3**2), rel=1e-5)


def test_weight_clipping_keeps_every_critic_weight_within_c() -> None:
    t = Trainer(PRESETS.get("mode-collapse").config.updated({"objective": "wasserstein", "clip_value": 0.02, "batch_size": 32}))
    t.step("iteration", 3)
    assert max(float(p.abs().max()) for p in t.d_params) <= 0.02 + 1e-7


def test_spectral_norm_finds_the_largest_singular_value() -> None:
    gen = torch.Generator().manual_seed(3)
    params = (torch.randn(8, 2, generator=gen), torch.zeros(8), torch.randn(1, 8, generator=gen), torch.zeros(1))
    us = init_spectral_vectors(params, False, gen)
    for _ in range(30):
        us = power_iteration(params, us, False)
    sig = spectral_sigmas(params, us, False)
    for s, w in zip(sig, (params[0], params[2])):
        assert float(s) == pytest.approx(float(torch.linalg.matrix_norm(w, ord=2)), rel=1e-4)
    t = Trainer(PRESETS.get("mode-collapse").config.updated({"objective": "hinge", "regularizers": ["spectral-norm"], "batch_size": 32}))
    t.step("iteration", 200)
    # one power iteration per step (as SNGAN) tracks σ while W moves, with a lag: measured up
    # to 25 % in the first few dozen Adam steps, 0-11 % after 200-300
    for s, i in zip(t._sigmas() or (), (0, 2, 4, 6)):
        assert float(torch.linalg.matrix_norm(t.d_params[i] / s, ord=2)) == pytest.approx(1.0, abs=0.2)


def test_feature_matching_loss_is_the_squared_gap_of_mean_features() -> None:
    t = Trainer(PRESETS.get("mode-collapse").config.updated({"regularizers": ["feature-matching"], "d_layers": 1, "d_width": 4}))
    gen = torch.Generator().manual_seed(4)
    x_real, x_fake = torch.randn(10, 2, generator=gen), torch.randn(10, 2, generator=gen)
    w, b = t.d_params[0], t.d_params[1]
    h_real, h_fake = torch.relu(x_real @ w.T + b), torch.relu(x_fake @ w.T + b)
    expected = float(((h_real.mean(0) - h_fake.mean(0)) ** 2).sum())
    loss, _ = generator_loss(t.d_params, x_fake, x_real, t.settings)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_minibatch_features_by_hand() -> None:
    gen = torch.Generator().manual_seed(5)
    h, t = torch.randn(4, 3, generator=gen, dtype=torch.float64), torch.randn(3, 2 * 5, generator=gen, dtype=torch.float64)
    got = minibatch_features(h, t, kernels=2)
    m = (h @ t).reshape(4, 2, 5)
    for i in range(4):
        for b in range(2):
            want = sum(math.exp(-float((m[i, b] - m[j, b]).abs().sum())) for j in range(4)) / 4
            assert got[i, b].item() == pytest.approx(want, rel=1e-10)


def test_historical_average_is_the_mean_of_past_parameters() -> None:
    t = Trainer(PRESETS.get("mode-collapse").config.updated({"regularizers": ["historical-averaging"], "batch_size": 16}))
    history = [t.g_params]
    for _ in range(4):
        t.step("iteration")
        history.append(t.g_params)
    assert t.g_average is not None
    for i, avg in enumerate(t.g_average):
        assert torch.allclose(avg, torch.stack([h[i] for h in history]).mean(0), atol=1e-6)


def test_instance_noise_anneals_linearly_to_zero() -> None:
    t = Trainer(PRESETS.get("mode-collapse").config.updated({"regularizers": ["instance-noise"], "instance_noise": 0.4, "instance_noise_anneal": 100}))
    assert t.instance_noise_std == pytest.approx(0.4)
    t.iteration = 25
    assert t.instance_noise_std == pytest.approx(0.3)
    t.iteration = 150
    assert t.instance_noise_std == 0.0


@pytest.mark.parametrize(
    "changes, names",
    [
        ({"objective": "mmd", "regularizers": ["feature-matching"]}, ("Feature matching", "MMD")),
        ({"objective": "wasserstein", "regularizers": ["one-sided-label-smoothing"]}, ("label smoothing", "Wasserstein")),
        ({"objective": "mmd", "regularizers": ["spectral-norm"]}, ("Spectral", "MMD")),
        ({"regularizers": ["spectral-norm", "spectral-norm"]}, ("once",)),
        ({"regularizers": "spectral-norm,warp-drive"}, ("warp-drive",)),
    ],
)
def test_nonsense_combinations_are_refused_naming_both(changes: dict, names: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as err:
        PRESETS.get("mode-collapse").config.updated(changes, strict=False)
    for n in names:
        assert n.lower() in str(err.value).lower()


def test_regularizers_from_url_text() -> None:
    c = LabConfig().updated({"regularizers": "spectral-norm, gradient-penalty-r1"}, strict=False)
    assert c.regularizers == ["spectral-norm", "gradient-penalty-r1"]


# -- optimizers against torch.optim ------------------------------------------------------------
@pytest.mark.parametrize(
    "name, make",
    [
        ("adam", lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.5, 0.9), eps=1e-8)),
        ("sgd", lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9)),
        ("rmsprop", lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    ],
)
def test_optimizers_match_torch_optim(name: str, make) -> None:
    gen = torch.Generator().manual_seed(6)
    params = (torch.randn(3, 2, generator=gen, dtype=torch.float64), torch.randn(3, generator=gen, dtype=torch.float64))
    ref = [p.clone().requires_grad_() for p in params]
    opt = make(ref)
    settings = optim.OptimizerSettings(name, 0.01, 0.9, 0.5, 0.9)
    state = optim.init_state(params)
    ours = params
    for _ in range(7):
        grads = tuple(torch.randn(p.shape, generator=gen, dtype=torch.float64) for p in params)
        for r, g in zip(ref, grads):
            r.grad = g.clone()
        opt.step()
        ours, state = optim.update(ours, grads, state, settings)
    for a, b in zip(ours, ref):
        assert torch.allclose(a, b.detach(), rtol=1e-10, atol=1e-12)


# -- every objective and trick trains on the ring ----------------------------------------------
# Smaller networks and batch than the benchmark keep this fast; the maths is the same.
_SMALL_RING = {"batch_size": 64, "g_width": 32, "d_width": 32, "g_layers": 2, "d_layers": 2}
CASES = [{"objective": n} for n in OBJECTIVES] + [{"regularizers": [r]} for r in REGULARIZERS]


@pytest.mark.parametrize("changes", CASES, ids=lambda c: str(c.get("objective") or c["regularizers"][0]))
def test_trains_1000_iterations_on_the_ring_without_nan(changes: dict) -> None:
    t = Trainer(PRESETS.get("mode-collapse").config.updated(_SMALL_RING | changes))
    t.step("iteration", 1000)
    assert t.iteration == 1000 and not t.diverged
    x = t.generate(torch.randn(100, 2))
    assert torch.isfinite(x).all() and torch.isfinite(t.discriminate(x)).all()


# -- change it while it trains ---------------------------------------------------------------
def test_live_changes_keep_the_networks_and_the_count() -> None:
    t = Trainer(PRESETS.get("mode-collapse").config.updated({"batch_size": 32}))
    t.step("iteration", 5)
    g_before = t.g_params
    for changes in ({"lr_d": 1e-4}, {"objective": "wasserstein-gp", "d_steps": 2}, {"regularizers": ["spectral-norm"]}, {"optimizer": "rmsprop"}, {"batch_size": 64}):
        assert t.apply_config(t.config.updated(changes)) == []
        assert t.iteration == 5 and t.g_params is g_before
    assert isinstance(t.settings, StepSettings) and t.settings.objective.name == "wasserstein-gp" and t.sn_u is not None
    t.step("iteration", 2)
    assert t.iteration == 7 and t.d_updates == 5 + 4


@pytest.mark.parametrize(
    "changes, fields",
    [
        ({"g_width": 64}, ["g_width"]),
        ({"seed": 3, "d_activation": "tanh"}, ["seed", "d_activation"]),
        ({"regularizers": ["minibatch-discrimination"]}, ["regularizers"]),
        ({"mbd_kernels": 7}, []),  # only matters while minibatch discrimination is on
    ],
)
def test_changes_that_need_new_networks_are_named(changes: dict, fields: list[str]) -> None:
    t = Trainer(PRESETS.get("mode-collapse").config)
    assert sorted(t.apply_config(t.config.updated(changes))) == sorted(fields)


def test_divergence_keeps_the_state_before_the_blow_up_and_a_live_change_resumes() -> None:
    t = Trainer(PRESETS.get("figure1").config)
    t.step("iteration", 3)
    good = t.d_params
    # an update that passed the checks but left D so steep that its next loss is huge
    steep = tuple(p * 1e4 for p in good)
    t._commit("discriminator", steep, t.d_state, 1.0)
    with pytest.raises(Diverged):
        t.step("generator")  # G's loss explodes on the steep D
    assert t.diverged and all(torch.equal(a, b) for a, b in zip(t.d_params, good))  # the state before the steep update
    with pytest.raises(Diverged):
        t.step("iteration")  # stays stopped until something changes
    t.apply_config(t.config.updated({"lr_d": 1e-4}))
    t.step("iteration", 5)
    assert not t.diverged and t.iteration == 8 and t.d_updates == 8


# -- teaching presets ------------------------------------------------------------------------
def test_teaching_presets_have_a_title_and_what_to_watch() -> None:
    zoo = ["saturation", "disjoint", "mode-collapse", "least-squares", "wgan-clip", "wgan-gp", "hinge-sn", "relativistic", "mmd", "ttur",
           "label-smoothing", "instance-noise", "feature-matching", "minibatch-discrimination"]  # fmt: skip
    for name in zoo:
        p = PRESETS.get(name)
        assert p.title and 2 <= p.watch.count(". ") + 1 <= 5, name


def test_disjoint_preset_js_stuck_while_w1_falls() -> None:
    from gan_core.probes import make_probe_set, metrics

    t = Trainer(PRESETS.get("disjoint").config)
    ps = make_probe_set(t)
    t.step("iteration", 100)
    early = metrics(t, ps)
    t.step("iteration", 300)
    later = metrics(t, ps)
    assert early["js"] > 0.69 and later["js"] > 0.69  # supports still apart: JS says nothing
    assert later["wasserstein"] < 0.75 * early["wasserstein"]  # W₁ sees G coming closer


def test_saturation_preset_g_gradient_vanishes_until_the_loss_is_switched() -> None:
    t = Trainer(PRESETS.get("saturation").config)
    t.step("iteration", 300)
    stalled = t.last["g_grad_norm"]
    t.apply_config(t.config.updated({"objective": "non-saturating"}))
    t.step("iteration", 20)
    assert stalled < 1e-3 and t.last["g_grad_norm"] > 100 * stalled
