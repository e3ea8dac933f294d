"""The scheduler's rounds, driven by hand with a fake clock: no thread, no sleeping."""

from __future__ import annotations

import threading

import torch

from gan_core.config import LabConfig
from gan_core.presets import PRESETS
from gan_core.trainer import Trainer
from server.scheduler import Scheduler


class FakeSession:
    """What server/session.py gives the scheduler, without its thread."""

    def __init__(self, config: LabConfig, speed: float | None = None) -> None:
        self.trainer = Trainer(config)
        self.lock = threading.Lock()
        self.speed = speed
        self.play_epoch = 0
        self.want = False
        self.trained: list[int] = []

    def wants_control(self) -> bool:
        return self.want

    def busy(self) -> bool:
        return False

    def on_trained(self, iterations: int) -> None:
        self.trained.append(iterations)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _scheduler(clock: FakeClock, cap: int = 4) -> Scheduler:
    return Scheduler(clock=clock, max_slice_iterations=cap, autostart=False)


def _same(a: Trainer, b: Trainer) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.g_params + a.d_params + a.g_state + a.d_state, b.g_params + b.d_params + b.g_state + b.d_state))


def test_sessions_of_one_shape_are_stepped_as_one_stack_and_match_their_lone_runs() -> None:
    base = PRESETS.get("ring").config
    sessions = [FakeSession(base.updated({"seed": s, "lr_g": 1e-4 * (s + 1)})) for s in range(3)]
    clock = FakeClock()
    sched = _scheduler(clock)
    for s in sessions:
        sched.add(s)
    for _ in range(4):
        sched.tick()
    assert set(sched.stats.group_sizes) == {3}  # always the three together
    for s in sessions:
        assert s.trainer.iteration == sum(s.trained) > 0
        alone = Trainer(s.trainer.config)
        alone.step("iteration", s.trainer.iteration)
        assert _same(s.trainer, alone)


def test_each_session_keeps_its_own_speed() -> None:
    base = PRESETS.get("figure1").config
    slow, fast = FakeSession(base, speed=10.0), FakeSession(base.updated({"seed": 1}), speed=None)
    clock = FakeClock()
    sched = _scheduler(clock, cap=3)
    sched.add(slow)
    sched.add(fast)
    for k in range(10):  # one second in steps of 0.1 s: 10 it/s gets ~10, max speed much more
        clock.now = 0.1 * k
        sched.tick()
    assert slow.trainer.iteration == 10
    assert fast.trainer.iteration > 10
    # a paced session is not held back by a faster one sharing its stack, nor drags it down
    assert 1 in sched.stats.group_sizes and 2 in sched.stats.group_sizes


def test_a_new_speed_restarts_the_pacing_without_a_sprint() -> None:
    s = FakeSession(PRESETS.get("figure1").config, speed=1.0)
    clock = FakeClock()
    sched = _scheduler(clock)
    sched.add(s)
    sched.tick()
    assert s.trainer.iteration == 1
    clock.now = 30.0  # far behind (a busy machine): no catching up at once
    sched.tick()
    assert s.trainer.iteration == 2
    s.speed, s.play_epoch = 5.0, 1
    clock.now = 31.0
    sched.tick()
    assert s.trainer.iteration == 3  # counted afresh from now


def test_a_session_its_page_needs_is_left_alone() -> None:
    base = PRESETS.get("figure1").config
    busy, locked, free = FakeSession(base), FakeSession(base), FakeSession(base)
    busy.want = True
    clock = FakeClock()
    sched = _scheduler(clock)
    for s in (busy, locked, free):
        sched.add(s)
    with locked.lock:  # its thread is drawing a frame
        sched.tick()
    assert busy.trainer.iteration == 0 and locked.trainer.iteration == 0 and free.trainer.iteration > 0


def test_a_heavy_session_does_not_starve_the_rest() -> None:
    heavy = FakeSession(PRESETS.get("hinge-sn").config.updated({"g_width": 256, "d_width": 256, "batch_size": 512}))  # stepped alone
    light = [FakeSession(PRESETS.get("figure1").config.updated({"seed": s})) for s in range(2)]
    clock = FakeClock()
    sched = _scheduler(clock, cap=2)
    for s in (heavy, *light):
        sched.add(s)
    for _ in range(3):
        sched.tick()
    assert heavy.trainer.iteration >= 3 and all(s.trainer.iteration >= 3 for s in light)


def test_divergence_stops_only_the_session_that_blew_up() -> None:
    base = PRESETS.get("figure1").config.updated({"optimizer": "sgd", "momentum": 0.9, "lr_d": 0.01, "lr_g": 0.01})
    sane, blown = FakeSession(base.updated({"seed": 4})), FakeSession(base.updated({"lr_d": 1.0, "lr_g": 1.0}))
    clock = FakeClock()
    sched = _scheduler(clock)
    sched.add(sane)
    sched.add(blown)
    for _ in range(10):
        sched.tick()
    assert blown.trainer.diverged and blown.trainer.iteration < 10
    assert sane.trainer.diverged is None and sane.trainer.iteration >= 10
