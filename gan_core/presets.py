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


# Figure 1 = LabConfig's defaults: N(4, 0.5²) data, uniform noise, k = 1, batch 128, Adam
# (β1 = 0.5), G 2×32 ELU, D 2×64 ELU. Chosen by a search (docs/measurements.md):
# - with 1-D uniform noise every setting tried plateaus at JS 0.05–0.06 nats: G stays nearly
#   linear, so p_g is a tilted box and cannot grow a Gaussian's tails in 5,000 iterations;
#   two uniform noise numbers (G(z1, z2)) start from a triangle-like sum and reach JS ≈ 0.01;
# - a slower G than D (5e-4 vs 2e-3) stops p_g from collapsing to a spike that D chases
#   around (Adam 1e-3 for both, β1 = 0.9, oscillated at JS ≈ 0.5);
# - the learning-rate half-life of 3,000 iterations damps the late oscillation.
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
