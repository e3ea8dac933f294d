"""Noise priors p_z. Besides sampling, each gives equal-mass quantile points: G applied to
them is a deterministic quadrature of p_g (see probes.py) and the evenly spaced z of the
paper's mapping lines."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import torch

from gan_core.registry import Registry


@dataclass(frozen=True)
class Prior(ABC):
    name: str
    title: str
    description: str
    view: tuple[float, float]

    @abstractmethod
    def sample(self, n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
        ...

    @abstractmethod
    def quantiles(self, u: torch.Tensor) -> torch.Tensor:
        ...

    @abstractmethod
    def pdf(self, z: np.ndarray) -> np.ndarray:
        ...

    def grid(self, n: int) -> torch.Tensor:
        """n equal-mass points (midpoint rule in probability space), shape (n,)."""
        u = (torch.arange(n, dtype=torch.float64) + 0.5) / n
        return self.quantiles(u).float()

    def quadrature(self, dim: int, n: int, gen: torch.Generator) -> torch.Tensor:
        """About n deterministic noise points for estimating p_g: a product grid of equal-mass
        quantiles (n in 1-D, √n per axis in 2-D, ∛n in 3-D); above 3-D a fixed random set."""
        if dim <= 3:
            per_axis = int(round(n ** (1 / dim)))
            return torch.cartesian_prod(*[self.grid(per_axis)] * dim).reshape(-1, dim)
        return self.sample(n, dim, gen)


class UniformPrior(Prior):
    def sample(self, n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
        return torch.rand(n, dim, generator=gen) * 2.0 - 1.0

    def quantiles(self, u: torch.Tensor) -> torch.Tensor:
        return u * 2.0 - 1.0

    def pdf(self, z: np.ndarray) -> np.ndarray:
        return np.where(np.abs(z) <= 1.0, 0.5, 0.0)


class NormalPrior(Prior):
    def sample(self, n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
        return torch.randn(n, dim, generator=gen)

    def quantiles(self, u: torch.Tensor) -> torch.Tensor:
        return torch.special.ndtri(u)

    def pdf(self, z: np.ndarray) -> np.ndarray:
        return np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)


PRIORS: Registry[Prior] = Registry("prior")
PRIORS.register("uniform", UniformPrior("uniform", "Uniform U(−1, 1)", "The paper's choice.", (-1.0, 1.0)))
PRIORS.register("normal", NormalPrior("normal", "Normal N(0, 1)", "Gaussian noise.", (-3.0, 3.0)))
