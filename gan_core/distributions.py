"""Target distributions p_data. Each has an exact pdf (drawn as the black curve, used for
D* and the JS estimate), an exact cdf (bin masses) and a sampler driven by a torch.Generator
so a seed reproduces a run."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import torch

from gan_core.registry import Registry

SQRT2 = math.sqrt(2.0)


def _normal_pdf(x: np.ndarray, mu: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def _normal_cdf(x: np.ndarray, mu: float | np.ndarray, sigma: float) -> np.ndarray:
    t = torch.as_tensor((np.asarray(x, dtype=np.float64) - mu) / sigma)
    return torch.special.ndtr(t).numpy()


@dataclass(frozen=True)
class Distribution1D(ABC):
    """A 1-D p_data. `view` is the x range the page draws; it is fixed per distribution so
    the picture does not jump while G moves."""

    name: str
    title: str
    description: str
    view: tuple[float, float]
    dim: int = 1

    @abstractmethod
    def pdf(self, x: np.ndarray) -> np.ndarray:
        ...

    @abstractmethod
    def cdf(self, x: np.ndarray) -> np.ndarray:
        ...

    @abstractmethod
    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        ...

    @abstractmethod
    def mean_std(self) -> tuple[float, float]:
        ...


@dataclass(frozen=True)
class GaussianMixture(Distribution1D):
    weights: tuple[float, ...] = (1.0,)
    means: tuple[float, ...] = (4.0,)
    stds: tuple[float, ...] = (0.5,)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return sum(w * _normal_pdf(x, m, s) for w, m, s in zip(self.weights, self.means, self.stds))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return sum(w * _normal_cdf(x, m, s) for w, m, s in zip(self.weights, self.means, self.stds))

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        w = torch.tensor(self.weights, dtype=torch.float64)
        idx = torch.multinomial(w, n, replacement=True, generator=gen)
        mu = torch.tensor(self.means, dtype=torch.float32)[idx]
        sd = torch.tensor(self.stds, dtype=torch.float32)[idx]
        return (mu + sd * torch.randn(n, generator=gen)).unsqueeze(1)

    def mean_std(self) -> tuple[float, float]:
        w, m, s = (np.array(a) for a in (self.weights, self.means, self.stds))
        mean = float((w * m).sum())
        var = float((w * (s**2 + m**2)).sum() - mean**2)
        return mean, math.sqrt(var)


@dataclass(frozen=True)
class Uniform(Distribution1D):
    low: float = 3.0
    high: float = 5.0

    def pdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.where((x >= self.low) & (x <= self.high), 1.0 / (self.high - self.low), 0.0)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.clip((x - self.low) / (self.high - self.low), 0.0, 1.0)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return (self.low + (self.high - self.low) * torch.rand(n, generator=gen)).unsqueeze(1)

    def mean_std(self) -> tuple[float, float]:
        return (self.low + self.high) / 2, (self.high - self.low) / math.sqrt(12)


@dataclass(frozen=True)
class ShiftedLogNormal(Distribution1D):
    """x = shift + exp(N(mu, sigma)): a skewed bump with a long right tail."""

    shift: float = 2.0
    mu: float = 0.5
    sigma: float = 0.5

    def pdf(self, x: np.ndarray) -> np.ndarray:
        y = np.asarray(x, dtype=np.float64) - self.shift
        safe = np.where(y > 0, y, 1.0)
        p = np.exp(-0.5 * ((np.log(safe) - self.mu) / self.sigma) ** 2) / (
            safe * self.sigma * math.sqrt(2 * math.pi)
        )
        return np.where(y > 0, p, 0.0)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        y = np.asarray(x, dtype=np.float64) - self.shift
        safe = np.where(y > 0, y, 1.0)
        return np.where(y > 0, _normal_cdf(np.log(safe), self.mu, self.sigma), 0.0)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return (self.shift + torch.exp(self.mu + self.sigma * torch.randn(n, generator=gen))).unsqueeze(1)

    def mean_std(self) -> tuple[float, float]:
        s2 = self.sigma**2
        mean = self.shift + math.exp(self.mu + s2 / 2)
        var = (math.exp(s2) - 1) * math.exp(2 * self.mu + s2)
        return mean, math.sqrt(var)


DISTRIBUTIONS: Registry[Distribution1D] = Registry("distribution")
DISTRIBUTIONS.register(
    "gaussian",
    GaussianMixture(
        "gaussian", "Gaussian N(4, 0.5²)", "One bump, as in the paper's Figure 1.", view=(-1.0, 8.0)
    ),
)
DISTRIBUTIONS.register(
    "bimodal",
    GaussianMixture(
        "bimodal",
        "Two bumps",
        "Equal mixture of N(2.5, 0.4²) and N(5.5, 0.4²): watch for mode collapse.",
        view=(-1.0, 8.0),
        weights=(0.5, 0.5),
        means=(2.5, 5.5),
        stds=(0.4, 0.4),
    ),
)
DISTRIBUTIONS.register(
    "uniform",
    Uniform("uniform", "Uniform U(3, 5)", "A flat box with sharp edges.", view=(-1.0, 8.0)),
)
DISTRIBUTIONS.register(
    "lognormal",
    ShiftedLogNormal(
        "lognormal",
        "Skewed (log-normal)",
        "2 + exp(N(0.5, 0.5²)): a bump with a long right tail.",
        view=(-1.0, 9.0),
    ),
)


# The 2-D distributions register themselves in the same registry (one engine, the data
# dimension is a property of the distribution).
from gan_core import distributions2d as _distributions2d  # noqa: E402,F401
