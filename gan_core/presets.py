"""Named experiments: each is a LabConfig instance plus a sentence on what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from gan_core.config import LabConfig
from gan_core.registry import Registry


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    config: LabConfig


PRESETS: Registry[Preset] = Registry("preset")


def _add(name: str, title: str, description: str, **fields: object) -> None:
    PRESETS.register(name, Preset(name, title, description, LabConfig(**fields)))


# Figure 1: N(4, 0.5²) data, uniform noise, k = 1, batch 128, Adam 1e-3 (β1 = 0.5),
# two hidden layers of 32 ELU in both networks. Smooth ELU units let G bend uniform noise
# into a Gaussian's tails; ReLU at width 16 stalls with p_g too narrow and tanh collapses.
_add(
    "figure1",
    "Figure 1 (paper)",
    "The paper's setting: a Gaussian bump, uniform noise, k = 1. Converges to D(x) = 1/2.",
)
_add(
    "minimax",
    "Saturating minimax",
    "Same as Figure 1 with the minimax generator loss of eq. 1: early on its gradient vanishes.",
    objective="minimax",
)
_add(
    "bimodal",
    "Two bumps",
    "A two-mode target: G must split its noise line in two, or collapse onto one bump.",
    distribution="bimodal",
    g_width=64,
    d_width=64,
)
_add(
    "skewed",
    "Skewed data",
    "A log-normal target with a long right tail, from normal noise.",
    distribution="lognormal",
    prior="normal",
)
_add(
    "strong-d",
    "Too many D steps",
    "k = 10 discriminator steps per generator step and a saturating G loss: D wins, G stalls.",
    objective="minimax",
    d_steps=10,
    lr_d=3e-3,
)


def get_preset(name: str) -> Preset:
    return PRESETS.get(name)
