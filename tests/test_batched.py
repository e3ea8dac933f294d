"""Sessions stepped together (gan_core.batched) give what they give alone."""

from __future__ import annotations

import pytest
import torch

from gan_core.batched import Stack, batch_key
from gan_core.config import LabConfig
from gan_core.presets import PRESETS
from gan_core.trainer import Diverged, Trainer


def _state(t: Trainer) -> tuple[torch.Tensor, ...]:
    return t.g_params + t.d_params + t.g_state + t.d_state


def _variants(preset: str, n: int = 4) -> list[LabConfig]:
    """Sessions that share a shape but not seeds, learning rates or half-lives."""
    base = PRESETS.get(preset).config
    return [base.updated({"seed": s, "lr_d": base.lr_d * (1 + 0.1 * s), "lr_halflife": 50 * s}) for s in range(n)]


def _stepped_together(configs: list[LabConfig], iterations: int) -> list[Trainer]:
    group = [Trainer(c) for c in configs]
    assert len({batch_key(t) for t in group}) == 1
    stack = Stack(group)
    assert stack.run(iterations) == iterations
    stack.write_back()
    return group


@pytest.mark.parametrize("preset", ["figure1", "ring", "wgan-gp", "label-smoothing", "instance-noise", "ttur", "relativistic", "wgan-clip", "minimax"])
def test_a_session_in_a_stack_gives_the_same_bits_as_alone(preset: str) -> None:
    configs = _variants(preset)
    group = _stepped_together(configs, 12)
    for c, together in zip(configs, group):
        alone = Trainer(c)
        alone.step("iteration", 12)
        assert all(torch.equal(a, b) for a, b in zip(_state(together), _state(alone))), preset
        assert together.last == alone.last and together.iteration == alone.iteration == 12
        assert (together.d_updates, together.g_updates) == (alone.d_updates, alone.g_updates)


def test_a_stack_of_sessions_with_different_data_and_priors_matches_each_alone() -> None:
    base = PRESETS.get("ring").config
    configs = [base.updated({"distribution": d, "prior": p, "seed": i}) for i, (d, p) in enumerate([("ring", "normal"), ("moons", "uniform"), ("spiral", "normal")])]
    group = _stepped_together(configs, 8)
    for c, together in zip(configs, group):
        alone = Trainer(c)
        alone.step("iteration", 8)
        assert all(torch.equal(a, b) for a, b in zip(_state(together), _state(alone)))


def test_unaligned_batches_agree_to_float_rounding() -> None:
    """gaussians' batch of 150 leaves a partial SIMD vector per session, where PyTorch's CPU
    kernels compute softplus/sigmoid with scalar code: ~1 ulp per op, not bit-identical."""
    configs = _variants("gaussians", 3)
    group = _stepped_together(configs, 10)
    for c, together in zip(configs, group):
        alone = Trainer(c)
        alone.step("iteration", 10)
        for a, b in zip(_state(together), _state(alone)):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_the_stacked_optimizers_follow_the_per_session_ones(optimizer: str) -> None:
    """gan_core.optim is checked against torch.optim elsewhere; the stacked step must do the
    same maths (up to rounding: it fuses real and fake into one D pass)."""
    config = PRESETS.get("ring").config.updated({"optimizer": optimizer, "momentum": 0.5, "lr_d": 2e-4, "lr_g": 2e-4})
    stacked, per_session = Trainer(config), Trainer(config)
    per_session.stackable = False  # the per-session functions of gan_core.trainer
    stacked.step("iteration", 5)
    per_session.step("iteration", 5)
    for a, b in zip(_state(stacked), _state(per_session)):
        torch.testing.assert_close(a.to(torch.float64), b.to(torch.float64), rtol=1e-4, atol=1e-6)


def test_divergence_is_a_per_session_mask() -> None:
    base = PRESETS.get("figure1").config.updated({"optimizer": "sgd", "momentum": 0.9, "lr_d": 0.01, "lr_g": 0.01})
    configs = [base.updated({"seed": 1}), base.updated({"lr_d": 1.0, "lr_g": 1.0}), base.updated({"seed": 3})]  # the middle one blows up
    group = [Trainer(c) for c in configs]
    stack = Stack(group)
    done = stack.run(50)
    stack.write_back()
    assert list(stack.diverged) == [1] and done < 50
    blown = group[1]
    assert blown.diverged and "blew up" in blown.diverged
    assert all(bool(torch.isfinite(p).all()) and float(p.abs().max()) < 1e6 for p in blown.g_params + blown.d_params)
    with pytest.raises(Diverged):
        blown.step("iteration")
    for i in (0, 2):  # the others are unharmed and went on as they would alone
        alone = Trainer(configs[i])
        alone.step("iteration", done)
        assert group[i].diverged is None and group[i].iteration == done
        assert all(torch.equal(a, b) for a, b in zip(_state(group[i]), _state(alone)))


def test_an_iteration_stopped_part_way_is_finished_later() -> None:
    config = PRESETS.get("gaussians").config  # k = 2
    t, whole = Trainer(config), Trainer(config)
    calls = iter([False, True])
    t.should_stop = lambda: next(calls, False)
    with pytest.raises(Exception, match="stopped"):
        t.step("iteration", 1)
    assert t.iteration == 0 and t.phase == 1 and t.d_updates == 1
    t.step("iteration", 1)  # the second D update and the G update, not a fresh k
    whole.step("iteration", 1)
    assert t.iteration == 1 and t.phase == 0 and (t.d_updates, t.g_updates) == (2, 1)
    assert all(torch.equal(a, b) for a, b in zip(_state(t), _state(whole)))


def test_batch_keys_group_what_can_be_stacked() -> None:
    ring = PRESETS.get("ring").config
    key = batch_key(Trainer(ring))
    assert key is not None
    assert batch_key(Trainer(ring.updated({"seed": 9, "lr_g": 1e-4, "distribution": "moons"}))) == key
    assert batch_key(Trainer(ring.updated({"batch_size": 128}))) != key
    assert batch_key(Trainer(ring.updated({"g_width": 64}))) != key
    assert batch_key(Trainer(PRESETS.get("mmd").config)) is None  # no discriminator to stack
    assert batch_key(Trainer(PRESETS.get("hinge-sn").config)) is None  # spectral norm: per session
