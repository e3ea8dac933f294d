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


# -- 2-D presets --------------------------------------------------------------------------
# The benchmark setting of the literature's toy experiments: non-saturating GAN, 3×128 ReLU
# in G and D, 2-D normal noise, batch 256, Adam β = (0.5, 0.9), lr 1e-3. Alone it oscillates
# between covering all modes and collapsing onto a few (docs/measurements.md); halving both
# learning rates every 2,500 iterations lets it settle once it has found every mode. The
# model is never told how many modes there are or where.
_BENCHMARK = dict(
    prior="normal",
    noise_dim=2,
    objective="non-saturating",
    batch_size=256,
    optimizer="adam",
    beta1=0.5,
    beta2=0.9,
    g_layers=3,
    g_width=128,
    g_activation="relu",
    d_layers=3,
    d_width=128,
    d_activation="relu",
    lr_g=1e-3,
    lr_d=1e-3,
    lr_halflife=2500,
)
_add(
    "ring",
    "Ring of 8 (benchmark)",
    "8 sharp Gaussians on a circle: the mode-collapse benchmark. Watch modes_covered reach 8/8.",
    distribution="ring",
    **_BENCHMARK,
)
# 25 modes need longer exploring before the learning rates shrink (half-life 5,000) and a
# larger batch so each D update sees every mode: more modes than the plain benchmark's
# setting at a far higher quality (docs/measurements.md).
_add(
    "grid",
    "Grid of 25 (benchmark)",
    "25 sharp Gaussians on a 5×5 grid with the benchmark networks.",
    distribution="grid",
    **(_BENCHMARK | {"batch_size": 512, "lr_halflife": 5000}),
)
# GAN Lab's default workload: a 2-D Gaussian mixture, G and D with one hidden layer of 8,
# 2-D Gaussian noise, batch 150, plain SGD, 2 D steps per iteration. tanh units: with ReLU
# these 8-unit networks kept dropping a cluster (JS ≈ 0.5 nats after 4,000 iterations).
_add(
    "gaussians",
    "Two Gaussians (GAN Lab default)",
    "GAN Lab's default: two clusters, tiny networks (1 layer of 8), SGD, 2 D steps per iteration.",
    distribution="clusters",
    prior="normal",
    noise_dim=2,
    batch_size=150,
    optimizer="sgd",
    momentum=0.0,
    d_steps=2,
    g_layers=1,
    g_width=8,
    g_activation="tanh",
    d_layers=1,
    d_width=8,
    d_activation="tanh",
    lr_g=0.05,
    lr_d=0.05,
    lr_halflife=0,
)
