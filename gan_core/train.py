"""Headless training: run a config for N iterations and yield metrics every so often."""

from __future__ import annotations

import time
from collections.abc import Iterator

from gan_core.config import LabConfig
from gan_core.probes import make_probe_set, metrics
from gan_core.trainer import Diverged, Trainer


def train(config: LabConfig, steps: int, every: int = 500, device: str = "cpu") -> Iterator[dict]:
    """Yield a metrics record every `every` iterations and after the last one. A diverged
    run yields a final record with 'diverged' set instead of raising."""
    trainer = Trainer(config, device)
    probes = make_probe_set(trainer)
    start = time.perf_counter()
    while trainer.iteration < steps:
        chunk = min(every, steps - trainer.iteration)
        try:
            trainer.step("iteration", chunk)
        except Diverged as err:
            yield {**metrics(trainer, probes), "seconds": round(time.perf_counter() - start, 3), "diverged": str(err), "final": True}
            return
        record = metrics(trainer, probes)
        record["seconds"] = round(time.perf_counter() - start, 3)
        record["final"] = trainer.iteration >= steps
        yield record
