"""The models beyond the plain GAN (gan_core/models.py): labelled data, the losses against
hand-computed values, validation, frames, and each model's stated result at its preset."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gan_core.config import ConfigError, LabConfig
from gan_core.distributions import DISTRIBUTIONS
from gan_core.distributions2d import drawn_distribution
from gan_core.labels import class_mixture, normalised_mutual_information
from gan_core.models import MODELS
from gan_core.presets import get_preset
from gan_core.probes import make_probe_set, probe
from gan_core.trainer import Diverged, Trainer
from server.frames import decode_frame, encode_frame


# -- labelled data -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "classes"), [("ring", 8), ("ring-wide", 8), ("grid", 25), ("clusters", 2), ("moons", 2), ("bimodal", 2)])
def test_labelled_distributions_have_their_classes(name, classes):
    cm = class_mixture(DISTRIBUTIONS.get(name))
    assert cm is not None and cm.n_classes == classes
    x, y = cm.sample(10_000, torch.Generator().manual_seed(0))
    # every sample lies on its own class (within 3σ of one of its components: 98.9 % of a 2-D
    # Gaussian's mass, 99.7 % in 1-D), and the classes come equally often
    assert all(cm.lands_on(x[y == k].numpy(), k).mean() > 0.95 for k in range(classes))
    counts = np.bincount(y.numpy(), minlength=classes) / len(y)
    assert np.allclose(counts, 1 / classes, atol=0.03)


@pytest.mark.parametrize("name", ["gaussian", "uniform", "lognormal", "line", "spiral", "square"])
def test_data_without_classes(name):
    assert class_mixture(DISTRIBUTIONS.get(name)) is None


def test_moons_classes_are_the_two_moons():
    cm = class_mixture(DISTRIBUTIONS.get("moons"))
    upper = cm.centres[cm.component_class == 0]
    lower = cm.centres[cm.component_class == 1]
    # the upper moon is the arch over (0.5, 0.25)·1.4 scaled: its mean lies above the lower one's
    assert upper[:, 1].mean() > lower[:, 1].mean() + 0.5


def test_a_drawing_has_the_classes_of_its_colours():
    points = [(-1.0, 0.0), (-1.1, 0.1), (1.0, 0.0), (1.1, 0.1)]
    assert class_mixture(drawn_distribution(points)) is None  # one colour: no classes
    cm = class_mixture(drawn_distribution(points, [3, 3, 5, 5]))  # colours 3 and 5 → classes 0 and 1
    assert cm.n_classes == 2 and list(cm.component_class) == [0, 0, 1, 1]


def test_normalised_mutual_information_against_hand_computed_values():
    a = np.array([0, 0, 1, 1])
    assert normalised_mutual_information(a, np.array([5, 5, 7, 7])) == pytest.approx(1.0)
    assert normalised_mutual_information(a, np.array([0, 1, 0, 1])) == pytest.approx(0.0)
    # a = (0,0,1,1), b = (0,0,0,1): p(a,b) = {(0,0): ½, (1,0): ¼, (1,1): ¼}
    b = np.array([0, 0, 0, 1])
    h_a = math.log(2)
    h_b = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))
    mi = 0.5 * math.log(0.5 / (0.5 * 0.75)) + 0.25 * math.log(0.25 / (0.5 * 0.75)) + 0.25 * math.log(0.25 / (0.5 * 0.25))
    assert normalised_mutual_information(a, b) == pytest.approx(mi / ((h_a + h_b) / 2))
    assert normalised_mutual_information(a, b) == pytest.approx(normalised_mutual_information(b, a))


# -- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"model": "cgan", "distribution": "gaussian"}, "needs data with classes"),
        ({"model": "semi-supervised", "distribution": "spiral"}, "needs data with classes"),
        ({"model": "semi-supervised", "distribution": "moons", "objective": "wasserstein-gp"}, "non-saturating or minimax"),
        ({"model": "cgan", "distribution": "ring", "objective": "mmd"}, "needs a discriminator"),
        ({"model": "infogan", "distribution": "ring", "regularizers": ["spectral-norm"]}, "not spectral-norm"),
        ({"model": "cgan", "distribution": "drawn", "drawn_points": [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]}, "needs data with classes"),
        ({"model": "nope"}, "unknown model"),
        ({"drawn_classes": [0, 9]}, "not one of the 8 drawing colours"),
    ],
)
def test_models_refuse_what_they_cannot_run(changes, words):
    with pytest.raises(ConfigError) as err:
        LabConfig().updated(changes)
    assert words in str(err.value)


def test_a_drawing_in_two_colours_runs_a_cgan():
    points = [(-1.0 + 0.05 * i, 0.0) for i in range(5)] + [(1.0 + 0.05 * i, 1.0) for i in range(5)]
    c = LabConfig(model="cgan", distribution="drawn", drawn_points=points, drawn_classes=[0] * 5 + [1] * 5, batch_size=16)
    t = Trainer(c)
    t.step(count=3)
    assert t.runtime is not None and t.runtime.n_classes == 2 and t.iteration == 3


def test_every_model_is_listed_with_its_settings():
    assert MODELS.names() == ["gan", "cgan", "infogan", "semi-supervised"]
    for name in MODELS:
        for field in MODELS.get(name).settings:
            assert field in LabConfig.model_fields


def test_show_class_applies_without_new_networks():
    c = get_preset("cgan-ring").config
    assert c.changes_needing_reset(c.updated({"show_class": 3})) == []
    assert "model" in c.changes_needing_reset(c.updated({"model": "infogan"}))
    # a model's own settings need new networks only while that model runs
    plain = get_preset("ring").config
    assert plain.changes_needing_reset(plain.updated({"info_categories": 4})) == []


# -- the losses, against hand-computed values ---------------------------------------------------
def test_semi_supervised_realness_is_logsumexp_of_the_class_logits():
    """D(real) = Z / (Z + 1), Z = Σ exp l_k: its logit is logsumexp(l), and the GAN part of D's
    loss on it is −log D(x_real) − log(1 − D(G(z)))."""
    from gan_core.models import ModelRuntime
    from gan_core.objectives import OBJECTIVES

    l_real = torch.tensor([[1.0, -2.0], [0.5, 0.3]])
    l_fake = torch.tensor([[-1.0, -3.0], [2.0, 0.0]])
    z_real, z_fake = l_real.exp().sum(1), l_fake.exp().sum(1)
    d_real, d_fake = z_real / (z_real + 1), z_fake / (z_fake + 1)
    expected = -(d_real.log().mean() + (1 - d_fake).log().mean())
    got = OBJECTIVES.get("non-saturating").d_loss(ModelRuntime.realness(l_real), ModelRuntime.realness(l_fake), 1.0)
    assert float(got) == pytest.approx(float(expected), rel=1e-6)


def test_infogan_information_loss_against_hand_computed_values():
    c = get_preset("infogan-ring").config.updated({"info_categories": 3, "info_continuous": 1, "d_layers": 1, "d_width": 2})
    t = Trainer(c)
    rt = t.runtime
    rt.q_params = (torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, -0.5]]), torch.zeros(4))
    h = torch.tensor([[2.0, 0.0], [0.0, 1.0]])
    codes, cont = torch.tensor([0, 2]), torch.tensor([[0.5], [-1.0]])
    q = h @ rt.q_params[0].T  # rows: logits of 3 codes, then the continuous mean
    ce = -(F.log_softmax(q[:, :3], 1)[torch.arange(2), codes]).mean()
    gauss = 0.5 * ((q[:, 3:] - cont) ** 2).sum(1).mean()
    assert float(rt.info_loss(rt.q_params, h, codes, cont)) == pytest.approx(float(ce + gauss), rel=1e-6)


def test_cgan_feeds_the_label_to_both_networks():
    t = Trainer(get_preset("cgan-ring").config)
    assert t.g_params[0].shape[1] == t.config.noise_dim + 8  # z and one-hot y
    assert t.d_params[0].shape[1] == 2 + 8  # x and one-hot y
    z = torch.zeros(2, t.config.noise_dim)
    a, b = t.generate(z, torch.tensor([0, 0])), t.generate(z, torch.tensor([0, 5]))
    assert torch.equal(a[0], b[0]) and not torch.equal(a[1], b[1])  # same z, other class: other sample


def test_semi_supervised_baseline_starts_as_d_and_learns_only_from_the_labels():
    t = Trainer(get_preset("semi-supervised-moons").config)
    rt = t.runtime
    assert all(torch.equal(a, b) for a, b in zip(rt.baseline, t.d_params))
    assert rt.labelled[0].shape == (2 * 5, 2) and rt.labelled[1].tolist() == [0] * 5 + [1] * 5
    # its update is plain cross-entropy on the labelled points with D's optimizer (Adam)
    x, y = rt.labelled
    params = [p.clone().requires_grad_() for p in rt.baseline]
    opt = torch.optim.Adam(params, lr=t.config.lr_d, betas=(t.config.beta1, t.config.beta2))
    loss = F.cross_entropy(t.settings.discriminator(tuple(params), x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    t.step_discriminator()
    assert all(torch.allclose(a, b.detach(), atol=1e-6) for a, b in zip(rt.baseline, params))


def test_a_diverging_model_is_reported_and_recovers_on_reset():
    c = get_preset("cgan-ring").config.updated({"lr_d": 1.0, "lr_g": 1.0, "optimizer": "sgd", "momentum": 0.99, "regularizers": []})
    t = Trainer(c)
    with pytest.raises(Diverged):
        for _ in range(2000):
            t.step()
    assert t.diverged and all(bool(torch.isfinite(p).all()) for p in t.g_params + t.d_params)
    t.reset(c.updated({"lr_d": 1e-3, "lr_g": 1e-3, "optimizer": "adam"}))
    t.step(count=2)
    assert t.diverged is None and t.iteration == 2


# -- frames ------------------------------------------------------------------------------------
def _frame(preset: str, steps: int = 3, **changes) -> dict:
    t = Trainer(get_preset(preset).config.updated(changes) if changes else get_preset(preset).config)
    ps = make_probe_set(t)
    t.step(count=steps)
    return decode_frame(encode_frame({"type": "frame", "status": "paused", **probe(t, ps)}))


def test_cgan_frames_colour_the_dots_and_follow_the_class_shown():
    f = _frame("cgan-ring")
    assert f["model"] == "cgan" and f["n_classes"] == 8
    assert sorted(set(f["fake_labels"].tolist())) == list(range(8)) and len(f["real_labels"]) == len(f["real"]) // 2
    assert f["manifold"] is None and len(f["class_accuracy"]) == 8
    f = _frame("cgan-ring", show_class=3)
    assert f["show_class"] == 3 and set(f["fake_labels"].tolist()) == {3.0} and f["manifold"] is not None


def test_infogan_frames_carry_the_code_walk():
    f = _frame("infogan-ring")
    walk = f["code_walk"]
    assert (walk["codes"], walk["steps"], walk["points"]) == (8, 21, 6)
    xy = walk["xy"].reshape(8, 21, 6, 2)
    assert not np.allclose(xy[:, 0], xy[:, -1])  # c′₁ moves the samples
    assert f["scalars"]["code_nmi"] is not None


def test_semi_supervised_frames_carry_both_classifiers():
    f = _frame("semi-supervised-moons")
    cls = f["classifier"]
    assert cls["d"].dtype == np.uint8 and cls["d"].size == cls["nx"] * cls["ny"]
    assert set(np.unique(cls["baseline"])) <= {0, 1}
    assert len(f["labelled"]["xy"]) == 2 * 10
    assert f["scalars"]["test_accuracy"] is not None and f["scalars"]["labelled_only_accuracy"] is not None


def test_cgan_in_one_dimension():
    c = get_preset("bimodal").config.updated({"model": "cgan"})
    t = Trainer(c)
    ps = make_probe_set(t)
    t.step(count=5)
    f = probe(t, ps)
    assert set(f["fake_labels"].tolist()) == {0.0, 1.0} and len(f["class_accuracy"]) == 2
    assert f["d_star"] is None  # D(x | y) has no marginal optimum to draw
    assert f["scalars"]["value"] is None  # nor is V(D, G) the paper's game


# -- each model's stated result at seed 0 (seeds 0-2 in docs/measurements.md) --------------------
@pytest.mark.convergence
def test_cgan_ring_puts_every_class_on_its_mode():
    """Every class: ≥ 0.9 of its fakes within 3σ of its own mode, after 1,200 iterations."""
    t = Trainer(get_preset("cgan-ring").config)
    t.step(count=1200)
    m = t.runtime.metrics(t)
    assert min(m["class_accuracy"]) >= 0.9, m


@pytest.mark.convergence
def test_infogan_ring_codes_find_the_modes():
    """NMI between code and nearest mode ≥ 0.8 after 600 iterations, with no labels."""
    t = Trainer(get_preset("infogan-ring").config)
    assert t.runtime.metrics(t)["code_nmi"] < 0.5  # not by construction: low at the start
    t.step(count=600)
    assert t.runtime.metrics(t)["code_nmi"] >= 0.8


def test_cli_reports_the_model_metrics():
    out = subprocess.run(
        [sys.executable, "-m", "server", "train", "--preset", "cgan-ring", "--steps", "20", "--every", "20", "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    record = json.loads(out.stdout.strip().splitlines()[-1])
    assert record["iteration"] == 20 and len(record["class_accuracy"]) == 8
    assert record["class_accuracy_min"] == min(record["class_accuracy"])


@pytest.mark.convergence
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_semi_supervised_moons_beats_the_labelled_only_classifier(seed):
    """5 labels per moon: after 1,000 iterations D's test accuracy on 2,000 held-out points
    beats the same network trained on the 10 labels alone, by at least 2 points."""
    t = Trainer(get_preset("semi-supervised-moons").config.updated({"seed": seed}))
    t.step(count=1000)
    m = t.runtime.metrics(t)
    assert m["test_accuracy"] >= m["labelled_only_accuracy"] + 0.02, m


def test_a_link_to_a_model_applies_whatever_order_its_fields_come_in():
    """A link lists `model` before `distribution` (schema order): applied one by one, cgan on
    the default Gaussian would be dropped. A drawing likewise needs its points before 'drawn'."""
    config, dropped = LabConfig().updated_leniently({"model": "cgan", "distribution": "ring", "show_class": "3"})
    assert (config.model, config.distribution, config.show_class, dropped) == ("cgan", "ring", 3, [])
    config, dropped = LabConfig().updated_leniently({"model": "cgan", "distribution": "ring", "lr_g": "nan?"})
    assert (config.model, config.distribution) == ("cgan", "ring") and [d["field"] for d in dropped] == ["lr_g"]
    points = "-1,0;-1.1,0.1;1,0;1.1,0.1"
    config, dropped = LabConfig().updated_leniently({"distribution": "drawn", "model": "cgan", "drawn_points": points, "drawn_classes": "0,0,1,1", "seed": "x"})
    assert (config.distribution, config.model, len(config.drawn_points)) == ("drawn", "cgan", 4) and [d["field"] for d in dropped] == ["seed"]


def test_a_class_the_data_does_not_have_shows_every_class():
    """show_class=9 on two moons (a link's value): every class is drawn, not an error."""
    f = _frame("cgan-ring", distribution="moons", show_class=9)
    assert f["show_class"] == -1 and set(f["fake_labels"].tolist()) == {0.0, 1.0} and f["manifold"] is None
