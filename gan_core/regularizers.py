"""Regularisers and tricks that can be combined with an objective. Each entry says which
settings it reads, whether switching it on or off needs new networks, and which objectives
it makes no sense with; the trainer reads the names (`Regs`) at each step."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gan_core.objectives import OBJECTIVES
from gan_core.registry import Registry

GP_EPS = 1e-12  # inside the gradient norm's square root: its derivative at 0 is finite


def gradient_penalty(grad: torch.Tensor) -> torch.Tensor:
    """WGAN-GP's E(‖∇ₓC(x̂)‖ − 1)² from the gradients at the interpolates, (m, dim) → a
    scalar or, stacked, (S, m, dim) → (S,). Times λ by the caller."""
    return ((grad.square().sum(-1) + GP_EPS).sqrt() - 1).square().mean(-1)


def r1_penalty(grad: torch.Tensor) -> torch.Tensor:
    """R1's E‖∇ₓD(x_real)‖², shaped as gradient_penalty. Times γ/2 by the caller."""
    return grad.square().sum(-1).mean(-1)


@dataclass(frozen=True)
class Regularizer:
    name: str
    title: str
    description: str
    settings: tuple[str, ...] = ()  # config fields it reads
    needs_discriminator: bool = True  # meaningless with `mmd` (no second network)
    needs_label_targets: bool = False  # only for objectives with a real label
    new_networks: bool = False  # adds parameters to D: switching it needs a reset
    not_with: tuple[str, ...] = ()  # objectives it duplicates or contradicts

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "settings": list(self.settings),
            "new_networks": self.new_networks,
            "needs_discriminator": self.needs_discriminator,
            "needs_label_targets": self.needs_label_targets,
            "not_with": list(self.not_with),
        }


REGULARIZERS: Registry[Regularizer] = Registry("regularizer")
for _r in (
    Regularizer(
        "spectral-norm", "Spectral normalisation",
        "Divides each of D's weight matrices by its largest singular value (one power iteration per step): D becomes 1-Lipschitz per layer (SNGAN).",
    ),
    Regularizer(
        "gradient-penalty-r1", "R1 gradient penalty",
        "Adds (γ/2) E‖∇ₓD(x_real)‖²: D may not be steep on the data, so training stops circling the equilibrium (Mescheder 2018).",
        ("r1_gamma",),
    ),
    Regularizer(
        "one-sided-label-smoothing", "One-sided label smoothing",
        "Real samples get the label α (e.g. 0.9) instead of 1; fakes keep 0. D stays less confident (Salimans 2016).",
        ("label_smoothing",), needs_label_targets=True,
    ),
    Regularizer(
        "instance-noise", "Instance noise",
        "Adds Gaussian noise N(0, σ²) to every sample D sees, σ annealed to 0: real and fake supports overlap (Sønderby 2017).",
        ("instance_noise", "instance_noise_anneal"),
    ),
    Regularizer(
        "feature-matching", "Feature matching",
        "G matches the mean of D's last hidden layer on real data instead of fooling D (Salimans 2016).",
    ),
    Regularizer(
        "minibatch-discrimination", "Minibatch discrimination",
        "D sees, for each sample, how similar it is to the rest of its batch: a collapsed batch is easy to spot (Salimans 2016).",
        ("mbd_kernels", "mbd_kernel_dims"), new_networks=True,
    ),
    Regularizer(
        "historical-averaging", "Historical averaging",
        "Adds w‖θ − mean of past θ‖² to each network's loss: damps the back-and-forth around the equilibrium (Salimans 2016).",
        ("historical_weight",), needs_discriminator=False,
    ),
):
    REGULARIZERS.register(_r.name, _r)


def combination_error(objective: str, regularizers: list[str]) -> str | None:
    """Why this objective and these regularisers make no sense together, or None."""
    obj = OBJECTIVES.get(objective)
    if len(set(regularizers)) != len(regularizers):
        return "regularizers: each may be listed once"
    for name in regularizers:
        reg = REGULARIZERS.get(name)
        if reg.needs_discriminator and obj.network == "none":
            return f"{reg.title} needs a discriminator, and the objective {obj.title} has none"
        if reg.needs_label_targets and not obj.label_targets:
            return f"{reg.title} smooths the real label, and the objective {obj.title} has no labels"
        if objective in reg.not_with:
            return f"{reg.title} cannot be combined with the objective {obj.title}"
    return None


@dataclass(frozen=True)
class Regs:
    """The active regularisers as flags, read by the update functions."""

    spectral_norm: bool = False
    r1: bool = False
    label_smoothing: bool = False
    instance_noise: bool = False
    feature_matching: bool = False
    minibatch: bool = False
    historical: bool = False

    @classmethod
    def from_names(cls, names: list[str]) -> Regs:
        flags = {
            "spectral-norm": "spectral_norm",
            "gradient-penalty-r1": "r1",
            "one-sided-label-smoothing": "label_smoothing",
            "instance-noise": "instance_noise",
            "feature-matching": "feature_matching",
            "minibatch-discrimination": "minibatch",
            "historical-averaging": "historical",
        }
        return cls(**{flags[n]: True for n in names})
