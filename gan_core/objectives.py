"""GAN objectives, written on D's logit l (D = sigmoid(l)) for numerical stability:
log D = −softplus(−l), log(1 − D) = −softplus(l). Each objective gives the discriminator's
loss and the generator's loss, both minimised."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gan_core.registry import Registry


@dataclass(frozen=True)
class Objective:
    name: str
    title: str
    description: str
    d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g_loss: Callable[[torch.Tensor], torch.Tensor]


def bce_discriminator(real_logit: torch.Tensor, fake_logit: torch.Tensor) -> torch.Tensor:
    """−E log D(x) − E log(1 − D(G(z))): minus the paper's V(D, G)."""
    return F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()


def minimax_generator(fake_logit: torch.Tensor) -> torch.Tensor:
    """E log(1 − D(G(z))): the saturating generator loss of eq. 1."""
    return -F.softplus(fake_logit).mean()


def non_saturating_generator(fake_logit: torch.Tensor) -> torch.Tensor:
    """−E log D(G(z)): same fixed point, strong gradients early in training."""
    return F.softplus(-fake_logit).mean()


OBJECTIVES: Registry[Objective] = Registry("objective")
OBJECTIVES.register(
    "minimax",
    Objective(
        "minimax",
        "Minimax (eq. 1)",
        "G minimises log(1 − D(G(z))); its gradient vanishes while D rejects fakes confidently.",
        bce_discriminator,
        minimax_generator,
    ),
)
OBJECTIVES.register(
    "non-saturating",
    Objective(
        "non-saturating",
        "Non-saturating",
        "G maximises log D(G(z)): the paper's practical choice, strong gradients early on.",
        bce_discriminator,
        non_saturating_generator,
    ),
)
