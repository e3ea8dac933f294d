"""Cheap frames: a metrics pass spread over live frames measures one state and gives the same
numbers as a whole pass of that state; fresh metrics are of the frame's own state; frames
without metrics share their network calls. (What they cost is measured by
bench/bench_frame.py, not asserted here.)"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.config import LabConfig
from gan_core.presets import PRESETS
from gan_core.probes import MAPPING_LINES, SPREAD_POINTS, make_probe_set, probe
from gan_core.probes2d import DOTS_2D, metric_parts, metrics_2d, state_key
from gan_core.trainer import Trainer

torch.set_num_threads(1)


def small_ring(**changes) -> Trainer:
    return Trainer(LabConfig(distribution="ring", prior="normal", **changes))


def test_a_spread_pass_gives_the_numbers_of_a_whole_pass_of_the_state_it_began_on() -> None:
    trainer = small_ring()
    trainer.step("iteration", 5)
    ps = make_probe_set(trainer)
    probe(trainer, ps)  # metrics of iteration 5
    began, frames = None, 0
    while True:  # playing: an iteration between frames, every frame one part of the pass
        trainer.step("iteration", 1)
        frame = probe(trainer, ps, metrics_max_age=1e-9, metrics_slice=0.0)
        frames += 1
        if began is None:
            began = ps.pending.iteration
        if frame["scalars"]["metrics_iteration"] != 5:
            break
        assert frame["scalars"]["metrics_iteration"] == 5  # the older metrics, and they say so
    assert frames > 10 and trainer.iteration > began + 10  # it took many frames, training went on
    assert frame["scalars"]["metrics_iteration"] == began
    # the same run stopped at `began`, measured whole
    again = small_ring()
    again.step("iteration", began)
    whole = metrics_2d(again, make_probe_set(again))
    per_class = whole.pop("class_accuracy")  # a frame carries it beside the scalars (cgan's array)
    assert per_class is None and frame["class_accuracy"] is None
    spread = {k: frame["scalars"][k] for k in whole}
    assert spread == whole


def test_the_parts_of_a_pass_are_small_and_labelled() -> None:
    trainer = Trainer(PRESETS.get("ring").config)
    ps = make_probe_set(trainer)
    labels = list(_labels(metric_parts(trainer, ps)))
    # G on 22,500 points ~1,000 rows a call, D on 5,000, then the modes, W1 and JS
    assert labels.count("generate") == 22 and labels.count("D for V") == 5
    assert labels[-7:] == ["modes", "sliced W1", "js: k-d tree"] + ["js: neighbours"] * 4


def _labels(parts):
    while True:
        try:
            yield next(parts)
        except StopIteration:
            return


def test_fresh_metrics_are_of_the_frame_s_state_and_computed_again_only_when_it_changed() -> None:
    trainer = small_ring()
    ps = make_probe_set(trainer)
    trainer.step("iteration", 2)
    first = probe(trainer, ps)["scalars"]
    assert first["metrics_iteration"] == 2
    cached = ps.cached_metrics
    probe(trainer, ps)  # nothing changed: the same metrics, not a new pass
    assert ps.cached_metrics is cached
    trainer.step("generator")  # the iteration count stays, G does not
    after = probe(trainer, ps)["scalars"]
    assert ps.cached_metrics is not cached and after["metrics_iteration"] == 2
    assert after["wasserstein"] != first["wasserstein"]
    # live frames that find no metrics of these settings compute them whole, at once
    trainer.apply_config(trainer.config.updated({"lr_g": 5e-4}))
    assert probe(trainer, ps, metrics_max_age=60.0)["scalars"]["metrics_iteration"] == 2
    assert ps.cached_state[5] is trainer.settings


def test_a_pass_begun_before_a_change_of_settings_is_dropped() -> None:
    trainer = small_ring()
    ps = make_probe_set(trainer)
    probe(trainer, ps)
    trainer.step("iteration", 3)
    probe(trainer, ps, metrics_max_age=1e-9, metrics_slice=0.0)
    assert ps.pending is not None and ps.pending.iteration == 3
    trainer.apply_config(trainer.config.updated({"objective": "least-squares"}))
    trainer.step("iteration", 1)
    frame = probe(trainer, ps, metrics_max_age=1e-9, metrics_slice=0.0)
    assert ps.pending is None and frame["scalars"]["metrics_iteration"] == 4
    assert frame["scalars"]["value"] is None  # least squares: V(D, G) is not defined


def test_the_pass_measures_the_state_it_copied_even_if_parameters_change_in_place() -> None:
    trainer = small_ring()
    trainer.step("iteration", 4)
    ps = make_probe_set(trainer)
    whole = metrics_2d(trainer, ps)
    parts = metric_parts(trainer, ps)
    next(parts)  # the copy is taken with the first part
    with torch.no_grad():
        for p in trainer.g_params + trainer.d_params:
            p.mul_(0.5)  # an engine that updates in place must not change what the pass measures
    while True:
        try:
            next(parts)
        except StopIteration as done:
            assert done.value == whole
            break


@pytest.mark.parametrize("objective", ["non-saturating", "wasserstein-gp", "mmd"])
def test_a_frame_s_dots_and_mesh_come_from_one_g_call_and_equal_separate_ones(objective: str) -> None:
    trainer = small_ring(objective=objective)
    trainer.step("iteration", 3)
    ps = make_probe_set(trainer)
    frame = probe(trainer, ps)
    assert np.allclose(frame["fake"], trainer.generate(ps.fake_z).numpy().ravel(), atol=1e-6)
    assert np.allclose(frame["manifold"]["xy"], trainer.generate(ps.z_mesh).numpy().ravel(), atol=1e-6)
    assert len(frame["fake"]) == 2 * DOTS_2D
    assert state_key(trainer)[0] == frame["scalars"]["metrics_iteration"]


def test_the_1d_frame_s_mapping_and_spread_come_from_one_g_call() -> None:
    trainer = Trainer(LabConfig(noise_dim=2))
    trainer.step("iteration", 3)
    ps = make_probe_set(trainer)
    frame = probe(trainer, ps)
    assert np.allclose(frame["mapping_x"], trainer.generate(ps.z_lines).squeeze(1).numpy(), atol=1e-6)
    assert np.allclose(frame["fake"], trainer.generate(ps.fake_z).squeeze(1).numpy(), atol=1e-6)
    # the spread: G over SPREAD_POINTS fixed points of the other noise dimensions per line
    others = trainer.prior.sample(SPREAD_POINTS, 2, torch.Generator().manual_seed(trainer.config.seed + 31337))
    z = others.repeat(MAPPING_LINES, 1)
    z[:, 0] = ps.z_lines[:, 0].repeat_interleave(SPREAD_POINTS)
    x = trainer.generate(z).reshape(MAPPING_LINES, SPREAD_POINTS)
    q = torch.quantile(x, torch.tensor([0.05, 0.95]), dim=1)
    assert np.allclose(frame["mapping_lo"], q[0].numpy(), atol=1e-6) and np.allclose(frame["mapping_hi"], q[1].numpy(), atol=1e-6)


def test_the_1d_probe_set_draws_its_fixed_inputs_in_the_same_order_as_before() -> None:
    # the dots must not change with the code that prepares the rest (a reload draws the same)
    trainer = Trainer(LabConfig())
    ps = make_probe_set(trainer)
    gen = torch.Generator().manual_seed(trainer.config.seed + 7919)
    trainer.prior.quadrature(trainer.config.noise_dim, 20_000, gen)
    assert torch.equal(ps.real_dots, trainer.p_data.sample(len(ps.real_dots), gen))
    assert torch.equal(ps.fake_z, trainer.prior.sample(len(ps.fake_z), trainer.config.noise_dim, gen))
