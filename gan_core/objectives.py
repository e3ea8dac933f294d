"""GAN objectives: what the second network is trained to output and the two losses.

The second network ends in one linear unit. For `probability` objectives (minimax,
non-saturating) that unit is D's logit l and D = sigmoid(l); losses are written on l for
numerical stability (log D = −softplus(−l), log(1 − D) = −softplus(l)). For `score`
objectives it is an unbounded real score C(x): a *critic* for the Wasserstein, hinge and
relativistic losses, and LSGAN's D (a score with target labels). `mmd` has no second
network: G minimises a kernel MMD and the view shows the MMD witness function instead.

Both losses are minimised. `real_target` is the real label (1, or α with one-sided label
smoothing); only objectives with `label_targets` take it. Formulas: shared/reference
objectives.md and docs/zoo.md."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from gan_core.registry import Registry

Output = Literal["probability", "score", "witness"]
DLoss = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]
GLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (fake_out, real_out)
Optimum = Callable[[np.ndarray, np.ndarray, float], np.ndarray]  # (p_data, p_g, real_target)


@dataclass(frozen=True)
class Objective:
    name: str
    title: str
    description: str
    output: Output
    network: Literal["discriminator", "critic", "none"]
    d_loss: DLoss | None
    g_loss: GLoss | None
    optimum: Optimum | None = None  # the best second network for a fixed G, where theory gives one
    no_optimum: str = ""  # why the page draws no optimum overlay
    g_needs_real: bool = False  # the generator's loss also looks at C(x_real)
    label_targets: bool = False  # losses with a real label (one-sided label smoothing applies)
    clip_weights: bool = False  # WGAN: clip the critic's weights to ±clip_value after each step
    gradient_penalty: bool = False  # WGAN-GP: λ E(‖∇C(x̂)‖ − 1)² on interpolates
    # The output where the network cannot tell real from fake (½ for D, 0 for the hinge's
    # margins and the MMD witness); None when the loss ignores a constant added to the output
    # (Wasserstein, relativistic), so that only differences of scores mean anything.
    score_centre: float | None = 0.5

    def describe(self) -> dict[str, object]:
        """What the page needs to draw and name the second network."""
        return {
            "output": self.output,
            "network": self.network,
            "has_optimum": self.optimum is not None,
            "no_optimum": self.no_optimum,
            "label_targets": self.label_targets,
            "score_centre": self.score_centre,
        }


# Every loss averages over a batch's samples, the last two dimensions: (m, 1) outputs give a
# scalar, and (S, m, 1) outputs of S sessions stepped together give each session its own loss.
SAMPLE_DIMS = (-2, -1)


def _mean(t: torch.Tensor, keep: bool = False) -> torch.Tensor:
    return t.mean(SAMPLE_DIMS if t.dim() > 1 else -1, keepdim=keep)


# -- discriminator / critic losses -----------------------------------------------------------
def bce_discriminator(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """−E[α log D(x_r) + (1 − α) log(1 − D(x_r))] − E log(1 − D(G(z))): minus the paper's
    V(D, G) for α = 1; α < 1 is one-sided label smoothing (fakes keep label 0)."""
    real_term = _mean(F.softplus(-real)) if real_target == 1.0 else _mean(real_target * F.softplus(-real) + (1 - real_target) * F.softplus(real))
    return real_term + _mean(F.softplus(fake))


def least_squares_discriminator(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """LSGAN with labels a = 0 (fake), b = 1 (real): ½E(D(x_r) − b)² + ½E(D(x_f) − a)²."""
    return 0.5 * _mean((real - real_target) ** 2) + 0.5 * _mean(fake**2)


def wasserstein_critic(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """E C(x_f) − E C(x_r): minus the critic's estimate of W₁ (Lipschitz by clipping or GP)."""
    return _mean(fake) - _mean(real)


def hinge_discriminator(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """E relu(1 − C(x_r)) + E relu(1 + C(x_f)) (SNGAN, SAGAN, BigGAN)."""
    return _mean(F.relu(1 - real)) + _mean(F.relu(1 + fake))


def relativistic_discriminator(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """−E log σ(C(x_r) − C(x_f)) over paired real and fake samples (RGAN)."""
    return _mean(F.softplus(-(real - fake)))


def relativistic_average_discriminator(real: torch.Tensor, fake: torch.Tensor, real_target: float = 1.0) -> torch.Tensor:
    """−E log σ(C(x_r) − E C(x_f)) − E log(1 − σ(C(x_f) − E C(x_r))) (RaGAN)."""
    return _mean(F.softplus(-(real - _mean(fake, keep=True)))) + _mean(F.softplus(fake - _mean(real, keep=True)))


# -- generator losses (fake_out, real_out) ---------------------------------------------------
def minimax_generator(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """E log(1 − D(G(z))): the saturating generator loss of eq. 1."""
    return _mean(-F.softplus(fake))


def non_saturating_generator(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """−E log D(G(z)): same fixed point, strong gradients early in training."""
    return _mean(F.softplus(-fake))


def least_squares_generator(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """½E(D(x_f) − c)² with c = 1: G wants D to call its samples real."""
    return 0.5 * _mean((fake - 1.0) ** 2)


def critic_generator(fake: torch.Tensor, real: torch.Tensor | None = None) -> torch.Tensor:
    """−E C(x_f): G raises the critic's score of its samples (WGAN, WGAN-GP, hinge)."""
    return -_mean(fake)


def relativistic_generator(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """−E log σ(C(x_f) − C(x_r)): the discriminator's loss with real and fake swapped."""
    return _mean(F.softplus(-(fake - real)))


def relativistic_average_generator(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """RaGAN's generator: the discriminator's loss with real and fake swapped."""
    return _mean(F.softplus(-(fake - _mean(real, keep=True)))) + _mean(F.softplus(real - _mean(fake, keep=True)))


# -- MMD (no discriminator) ------------------------------------------------------------------
# Bandwidths in data units, from the ring's mode width to the spread of the 1-D bump:
# a sum of kernels sees both fine structure and far-away mass.
MMD_BANDWIDTHS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0)


def gaussian_kernel(a: torch.Tensor, b: torch.Tensor, bandwidths: tuple[float, ...] = MMD_BANDWIDTHS) -> torch.Tensor:
    """k(a_i, b_j) = Σ_σ exp(−‖a_i − b_j‖² / (2σ²)), shape (len(a), len(b))."""
    d2 = torch.cdist(a, b).square()
    return sum(torch.exp(-d2 / (2 * s * s)) for s in bandwidths)  # type: ignore[return-value]


def mmd2_unbiased(x: torch.Tensor, y: torch.Tensor, bandwidths: tuple[float, ...] = MMD_BANDWIDTHS) -> torch.Tensor:
    """Unbiased MMD²: E k(x, x′) + E k(y, y′) − 2 E k(x, y) with the i = j terms dropped."""
    n, m = len(x), len(y)
    kxx, kyy, kxy = gaussian_kernel(x, x, bandwidths), gaussian_kernel(y, y, bandwidths), gaussian_kernel(x, y, bandwidths)
    xx = (kxx.sum() - kxx.diagonal().sum()) / (n * (n - 1))
    yy = (kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
    return xx + yy - 2 * kxy.mean()


def mmd_witness(t: torch.Tensor, real: torch.Tensor, fake: torch.Tensor, bandwidths: tuple[float, ...] = MMD_BANDWIDTHS) -> torch.Tensor:
    """f(t) = E_x k(x, t) − E_y k(y, t): positive where p_data has more mass than p_g."""
    return gaussian_kernel(t, real, bandwidths).mean(1) - gaussian_kernel(t, fake, bandwidths).mean(1)


# -- optima for a fixed G --------------------------------------------------------------------
def _ratio(p_data: np.ndarray, p_g: np.ndarray, b: float, a: float, rel_eps: float = 1e-3) -> np.ndarray:
    """(b·p_data + a·p_g) / (p_data + p_g); NaN where both densities are negligible (below
    rel_eps of p_data's peak), where the optimum is undefined or decided by a few samples."""
    total = p_data + p_g
    eps = rel_eps * max(float(np.max(p_data)), 1e-12)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > eps, (b * p_data + a * p_g) / np.where(total > eps, total, 1.0), np.nan)


def bce_optimum(p_data: np.ndarray, p_g: np.ndarray, real_target: float = 1.0) -> np.ndarray:
    """D* = α p_data / (p_data + p_g) (Proposition 1; α = 1 without label smoothing)."""
    return _ratio(p_data, p_g, real_target, 0.0)


def least_squares_optimum(p_data: np.ndarray, p_g: np.ndarray, real_target: float = 1.0) -> np.ndarray:
    """D* = (b p_data + a p_g) / (p_data + p_g) with a = 0 and b = the real label."""
    return _ratio(p_data, p_g, real_target, 0.0)


_NO_OPTIMUM_CRITIC = (
    "No closed-form optimum: the best critic for a fixed G is a 1-Lipschitz function that "
    "depends on the whole of both distributions (the Kantorovich potential), not on p_data and p_g at one point."
)

OBJECTIVES: Registry[Objective] = Registry("objective")
for _o in (
    Objective(
        "minimax", "Minimax (eq. 1)", "G minimises log(1 − D(G(z))); its gradient vanishes while D rejects fakes confidently.",
        "probability", "discriminator", bce_discriminator, minimax_generator, bce_optimum, label_targets=True,
    ),
    Objective(
        "non-saturating", "Non-saturating", "G maximises log D(G(z)): the paper's practical choice, strong gradients early on.",
        "probability", "discriminator", bce_discriminator, non_saturating_generator, bce_optimum, label_targets=True,
    ),
    Objective(
        "least-squares", "Least squares (LSGAN)", "D regresses real to 1 and fake to 0; G pulls D(G(z)) to 1. Gradients do not saturate far from the data.",
        "score", "discriminator", least_squares_discriminator, least_squares_generator, least_squares_optimum, label_targets=True,
    ),
    Objective(
        "wasserstein", "Wasserstein (WGAN, clipping)", "A critic estimates W₁ between p_data and p_g; its weights are clipped to ±c to keep it Lipschitz.",
        "score", "critic", wasserstein_critic, critic_generator, None, _NO_OPTIMUM_CRITIC, clip_weights=True, score_centre=None,
    ),
    Objective(
        "wasserstein-gp", "Wasserstein + gradient penalty (WGAN-GP)", "The WGAN critic kept Lipschitz by penalising ‖∇C‖ ≠ 1 between real and fake samples.",
        "score", "critic", wasserstein_critic, critic_generator, None, _NO_OPTIMUM_CRITIC, gradient_penalty=True, score_centre=None,
    ),
    Objective(
        "hinge", "Hinge", "The critic wants C(real) ≥ 1 and C(fake) ≤ −1 (SNGAN, BigGAN); G raises C(fake).",
        "score", "critic", hinge_discriminator, critic_generator, None,
        "No optimum drawn: for a fixed G the hinge optimum is +1 where p_data > p_g and −1 where p_g > p_data (undecided where equal), a step, not a curve the network can reach smoothly.",
        score_centre=0.0,
    ),
    Objective(
        "relativistic", "Relativistic (RGAN)", "The critic judges whether a real sample is more realistic than a paired fake; G the reverse.",
        "score", "critic", relativistic_discriminator, relativistic_generator, None,
        "No pointwise optimum: the relativistic loss scores pairs (real, fake), so only differences C(x_r) − C(x_f) are defined.",
        g_needs_real=True, score_centre=None,
    ),
    Objective(
        "relativistic-average", "Relativistic average (RaGAN)", "The critic judges samples against the average score of the other side.",
        "score", "critic", relativistic_average_discriminator, relativistic_average_generator, None,
        "No pointwise optimum: the loss compares each score with the other side's average, so the critic is defined only up to a shift.",
        g_needs_real=True, score_centre=None,
    ),
    Objective(
        "mmd", "MMD (moment matching, no D)", "No discriminator: G minimises the kernel MMD to the data (a sum of Gaussian kernels). The view shows the MMD witness function.",
        "witness", "none", None, None, None,
        "No discriminator: the curve is the MMD witness E_x k(x, t) − E_y k(y, t), positive where p_data has more mass than p_g.",
        score_centre=0.0,
    ),
):
    OBJECTIVES.register(_o.name, _o)

VALUE_OPTIMUM = -math.log(4.0)  # C(G*) of eq. 1, for probability objectives
