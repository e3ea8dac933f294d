"""The benchmark's baselines compute the same training as each other (so a ratio against
them compares costs, not different maths)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bare_loop import BareLoop, LeanLoop  # noqa: E402

from gan_core.presets import PRESETS  # noqa: E402
from gan_core.trainer import Trainer  # noqa: E402


@pytest.mark.parametrize("preset", ["figure1", "gaussians"])  # Adam, SGD with momentum
def test_the_lean_loop_matches_the_torch_optim_loop(preset: str) -> None:
    trainer = Trainer(PRESETS.get(preset).config)
    bare, lean = BareLoop(trainer), LeanLoop(trainer)
    bare.step(5)
    lean.step(5)
    for module, params in ((bare.g, lean.g), (bare.d, lean.d)):
        for a, b in zip(module.parameters(), params):
            torch.testing.assert_close(a.detach(), b.detach(), rtol=1e-4, atol=1e-5)
