"""Classes of p_data, for the models that use labels (cgan, semi-supervised) and the metrics
that name modes (per-class accuracy, InfoGAN's code-mode NMI).

Every labelled distribution is a mixture of Gaussians whose components each belong to one
class: the ring's 8 modes and the grid's 25 are a class each, the two moons are 2 classes of
500 components, the 1-D bimodal has 2, a drawing has the colours it was drawn in. A sample's
label is its component's class, drawn together with it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gan_core.distributions import GaussianMixture
from gan_core.distributions2d import GaussianMixture2D

MAX_CLASSES = 25  # the grid's 25 modes; a drawing may use up to DRAW_CLASSES colours
DRAW_CLASSES = 8
WITHIN_SIGMAS = 3.0  # "lands on class y": within 3σ of one of class y's components


@dataclass(frozen=True)
class ClassMixture:
    """p_data as classes: mixture components (centres, stds, weights) and each one's class."""

    centres: np.ndarray  # (C, dim) float64
    stds: np.ndarray  # (C,)
    weights: np.ndarray  # (C,), summing to 1
    component_class: np.ndarray  # (C,) int64, 0..n_classes-1

    @property
    def n_classes(self) -> int:
        return int(self.component_class.max()) + 1

    @property
    def dim(self) -> int:
        return self.centres.shape[1]

    def class_weights(self) -> np.ndarray:
        return np.bincount(self.component_class, weights=self.weights, minlength=self.n_classes)

    def sample(self, n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(n, dim) float32 samples and their (n,) int64 labels."""
        idx = torch.multinomial(torch.as_tensor(self.weights), n, replacement=True, generator=gen)
        mu = torch.as_tensor(self.centres, dtype=torch.float32)[idx]
        sd = torch.as_tensor(self.stds, dtype=torch.float32)[idx].unsqueeze(1)
        x = mu + sd * torch.randn(n, self.dim, generator=gen)
        return x, torch.as_tensor(self.component_class)[idx]

    def sample_class(self, n: int, label: int, gen: torch.Generator) -> torch.Tensor:
        """n samples of one class (its components in proportion to their weights)."""
        mask = self.component_class == label
        w = torch.as_tensor(self.weights[mask])
        idx = torch.multinomial(w, n, replacement=True, generator=gen)
        mu = torch.as_tensor(self.centres[mask], dtype=torch.float32)[idx]
        sd = torch.as_tensor(self.stds[mask], dtype=torch.float32)[idx].unsqueeze(1)
        return mu + sd * torch.randn(n, self.dim, generator=gen)

    def nearest_component(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the nearest component centre and the distance to it, in units of its σ."""
        xt = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(-1, self.dim))
        d = torch.cdist(xt, torch.as_tensor(self.centres)) / torch.as_tensor(self.stds)
        best, idx = d.min(1)
        return idx.numpy(), best.numpy()

    def nearest_class(self, x: np.ndarray) -> np.ndarray:
        return self.component_class[self.nearest_component(x)[0]]

    def lands_on(self, x: np.ndarray, label: int) -> np.ndarray:
        """Whether each point lies within WITHIN_SIGMAS σ of one of class `label`'s components."""
        mask = self.component_class == label
        xt = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(-1, self.dim))
        d = torch.cdist(xt, torch.as_tensor(self.centres[mask])) / torch.as_tensor(self.stds[mask])
        return (d.min(1).values <= WITHIN_SIGMAS).numpy()


def class_mixture(p_data: object) -> ClassMixture | None:
    """The classes of p_data, or None when it has fewer than two."""
    if isinstance(p_data, GaussianMixture2D):
        centres = np.asarray(p_data.centres, dtype=np.float64).reshape(-1, 2)
        n = len(centres)
        if p_data.classes is not None:
            labels = np.asarray(p_data.classes, dtype=np.int64)
        elif p_data.has_modes:
            labels = np.arange(n, dtype=np.int64)
        else:
            return None
        w = np.ones(n) if p_data.weights is None else np.asarray(p_data.weights, dtype=np.float64)
        stds = np.full(n, p_data.std)
    elif isinstance(p_data, GaussianMixture) and len(p_data.means) > 1:
        centres = np.asarray(p_data.means, dtype=np.float64).reshape(-1, 1)
        labels = np.arange(len(centres), dtype=np.int64)
        w = np.asarray(p_data.weights, dtype=np.float64)
        stds = np.asarray(p_data.stds, dtype=np.float64)
    else:
        return None
    if len(np.unique(labels)) < 2:
        return None
    # classes numbered 0..K-1 in order of first use (a drawing may skip colours)
    _, labels = np.unique(labels, return_inverse=True)
    return ClassMixture(centres, stds, w / w.sum(), labels.astype(np.int64))


def one_hot(labels: torch.Tensor, n: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(labels.long(), n).float()


def normalised_mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """NMI(a; b) = I(a; b) / ((H(a) + H(b)) / 2), the arithmetic normalisation (scikit-learn's
    default). 1: each value of a goes with one value of b and back; 0: independent. When both
    are constant it is 1 (nothing to tell apart); when one is, 0."""
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    joint = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(joint, (ai, bi), 1.0)
    joint /= joint.sum()
    pa, pb = joint.sum(1), joint.sum(0)

    def entropy(p: np.ndarray) -> float:
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    ha, hb = entropy(pa), entropy(pb)
    if ha == 0 and hb == 0:
        return 1.0
    if ha == 0 or hb == 0:
        return 0.0
    nz = joint > 0
    mi = float((joint[nz] * np.log(joint[nz] / np.outer(pa, pb)[nz])).sum())
    return max(0.0, mi / ((ha + hb) / 2))
