"""The Figure-1 tour: one round of the game in four snapshots, as in Goodfellow et al. (2014)'s
Figure 1 (a)-(d). The lab's page records it live (server/session.py) and `ganlab figure`
draws it (gan_core/figure.py): both run this one schedule, so the figure on a slide is the
tour the class saw.

(a) now; (b) D trained toward D* with G fixed; (c) G updated with D frozen (a demonstration:
one G update moves G(z) by ~0.01 of the axis, too little to see, so it shows several); (d)
trained on, until p_g ≈ p_data (JS below a target) or a cap."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from gan_core.probes import ProbeSet, make_probe_set, probe
from gan_core.probes2d import ProbeSet2D
from gan_core.trainer import Trainer

LABELS = ("a", "b", "c", "d")
D_STEPS = 300  # panel (b): D updates with G fixed
G_UPDATES_SHOWN = 25  # panel (c): G updates with D frozen
MAX_ITERATIONS = 4000  # panel (d): the cap on iterations trained on
MIN_ITERATIONS = 1000  # panel (d): trained on at least this long before JS may end it
JS_TARGET = 0.02  # panel (d): JS (nats) low enough to stop early
JS_CHECK_EVERY = 100  # panel (d): iterations between looks at JS

# step(target, count) -> False when training stopped (interrupted, diverged): the tour ends.
StepFn = Callable[[str, int], bool]


@dataclass(frozen=True)
class TourSchedule:
    """How long each phase of the tour trains (the defaults are the page's tour)."""

    d_steps: int = D_STEPS
    g_updates_shown: int = G_UPDATES_SHOWN
    max_iterations: int = MAX_ITERATIONS
    js_target: float = JS_TARGET
    min_iterations: int = MIN_ITERATIONS
    check_every: int = JS_CHECK_EVERY


@dataclass
class TourPanel:
    """One snapshot: its letter, the probe of the trainer's state then (gan_core.probes) and
    what the panel adds to it (panel (c): how many G updates it shows)."""

    label: str
    frame: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def _plain_step(trainer: Trainer) -> StepFn:
    def step(target: str, count: int) -> bool:
        trainer.step(target, count)  # type: ignore[arg-type]
        return True

    return step


def run_tour(
    trainer: Trainer,
    probes: ProbeSet | ProbeSet2D | None = None,
    schedule: TourSchedule | None = None,
    step: StepFn | None = None,
) -> Iterator[TourPanel | None]:
    """Train `trainer` through the tour, yielding a TourPanel at each snapshot and None
    between updates: a caller that must stay responsive (the session's worker) pauses there;
    one that need not (the CLI) skips the Nones. `step` trains (the session's handles a stop
    or a divergence and returns False: the tour ends there)."""
    s = schedule or TourSchedule()
    ps = probes if probes is not None else make_probe_set(trainer)
    train = step or _plain_step(trainer)

    yield TourPanel("a", probe(trainer, ps))
    for _ in range(s.d_steps):
        if not train("discriminator", 1):
            return
        yield None
    yield TourPanel("b", probe(trainer, ps))
    for _ in range(s.g_updates_shown):
        if not train("generator", 1):
            return
    yield TourPanel("c", probe(trainer, ps), {"g_updates_shown": s.g_updates_shown})
    for i in range(s.max_iterations):
        if not train("iteration", 1):
            return
        if i % s.check_every == s.check_every - 1:
            js = probe(trainer, ps)["scalars"]["js"]
            if js is not None and js < s.js_target and i + 1 >= s.min_iterations:
                break
        yield None
    yield TourPanel("d", probe(trainer, ps))


def tour_panels(trainer: Trainer, schedule: TourSchedule | None = None) -> list[TourPanel]:
    """The four panels, the tour run to its end (for a figure)."""
    return [p for p in run_tour(trainer, None, schedule) if p is not None]
