"""2-D target distributions p_data. Every one is a mixture of isotropic Gaussians or a uniform
square, so each has an exact density and exact cell masses on any grid (the JS/KL metrics
use them). Curves (line, moons, spiral) are mixtures of many Gaussians spaced far closer than
their width along the curve: the sampler draws from exactly that mixture, so density and
sampler agree. Distributions with separate modes (ring, grid, clusters) publish their centres
and standard deviation for the mode metrics."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import torch

from gan_core.distributions import DISTRIBUTIONS, _normal_cdf

View2D = tuple[tuple[float, float], tuple[float, float]]
DRAW_AREA: View2D = ((-3.0, 3.0), (-3.0, 3.0))
DRAWN_STD = 0.1  # kernel width around each drawn point
MAX_DRAWN_POINTS = 500
MIN_DRAWN_POINTS = 3


@dataclass(frozen=True)
class Distribution2D(ABC):
    name: str
    title: str
    description: str
    view: View2D

    @property
    def dim(self) -> int:
        return 2

    @abstractmethod
    def pdf(self, xy: np.ndarray) -> np.ndarray:
        """Density at points of shape (N, 2)."""

    @abstractmethod
    def cell_mass(self, x_edges: np.ndarray, y_edges: np.ndarray) -> np.ndarray:
        """Exact probability of each grid cell, shape (len(y_edges) - 1, len(x_edges) - 1)."""

    @abstractmethod
    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        """(n, 2) float32 samples."""

    @abstractmethod
    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        ...

    @property
    def modes(self) -> np.ndarray | None:
        """(K, 2) mode centres when the modes are separate bumps, else None."""
        return None

    @property
    def mode_std(self) -> float | None:
        return None


@dataclass(frozen=True)
class GaussianMixture2D(Distribution2D):
    centres: tuple[tuple[float, float], ...] = ((0.0, 0.0),)
    std: float = 1.0
    weights: tuple[float, ...] | None = None  # None = equal weights
    has_modes: bool = False
    # The class of each component, for the labelled models (cgan, semi-supervised); None: each
    # separate mode is its own class (has_modes), else the data has no classes.
    classes: tuple[int, ...] | None = None

    def _w(self) -> np.ndarray:
        w = np.ones(len(self.centres)) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        return w / w.sum()

    def _c(self) -> np.ndarray:
        return np.asarray(self.centres, dtype=np.float64).reshape(-1, 2)

    def pdf(self, xy: np.ndarray) -> np.ndarray:
        """Σ_k w_k N(xy; c_k, σ²I), in float64 torch (a curve has up to 1,200 components and
        the metrics ask for thousands of points: a matrix product, not a Python loop)."""
        xy = torch.as_tensor(np.asarray(xy, dtype=np.float64).reshape(-1, 2))
        c = torch.as_tensor(self._c())
        norm = 1.0 / (2 * math.pi * self.std**2)
        w = torch.as_tensor(self._w())
        out = torch.empty(len(xy), dtype=torch.float64)
        for i in range(0, len(xy), 4096):  # bounded memory
            d2 = torch.cdist(xy[i : i + 4096], c).square_()
            out[i : i + 4096] = torch.exp_(d2.mul_(-0.5 / self.std**2)) @ w * norm
        return out.numpy()

    def cell_mass(self, x_edges: np.ndarray, y_edges: np.ndarray) -> np.ndarray:
        c = self._c()
        # Each component is separable: mass = ΔΦ(y) ⊗ ΔΦ(x); sum over components as a matmul.
        fx = np.diff(_normal_cdf(np.asarray(x_edges)[None, :], c[:, :1], self.std), axis=1)  # (K, nx)
        fy = np.diff(_normal_cdf(np.asarray(y_edges)[None, :], c[:, 1:], self.std), axis=1)  # (K, ny)
        return (fy.T * self._w()) @ fx

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        idx = torch.multinomial(torch.as_tensor(self._w()), n, replacement=True, generator=gen)
        mu = torch.as_tensor(self._c(), dtype=torch.float32)[idx]
        return mu + self.std * torch.randn(n, 2, generator=gen)

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        w, c = self._w(), self._c()
        mean = w @ c
        centred = c - mean
        cov = (centred.T * w) @ centred + self.std**2 * np.eye(2)
        return mean, cov

    @property
    def modes(self) -> np.ndarray | None:
        return self._c() if self.has_modes else None

    @property
    def mode_std(self) -> float | None:
        return self.std if self.has_modes else None


@dataclass(frozen=True)
class UniformSquare(Distribution2D):
    low: float = -1.5
    high: float = 1.5

    def pdf(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        inside = np.all((xy >= self.low) & (xy <= self.high), axis=1)
        return np.where(inside, 1.0 / (self.high - self.low) ** 2, 0.0)

    def cell_mass(self, x_edges: np.ndarray, y_edges: np.ndarray) -> np.ndarray:
        def frac(edges: np.ndarray) -> np.ndarray:
            c = np.clip((np.asarray(edges, dtype=np.float64) - self.low) / (self.high - self.low), 0.0, 1.0)
            return np.diff(c)

        return np.outer(frac(y_edges), frac(x_edges))

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        return self.low + (self.high - self.low) * torch.rand(n, 2, generator=gen)

    def mean_cov(self) -> tuple[np.ndarray, np.ndarray]:
        mid = (self.low + self.high) / 2
        return np.array([mid, mid]), np.eye(2) * (self.high - self.low) ** 2 / 12


def curve_mixture(
    name: str,
    title: str,
    description: str,
    view: View2D,
    points: np.ndarray,
    std: float,
    weights: np.ndarray | None = None,
    classes: tuple[int, ...] | None = None,
) -> GaussianMixture2D:
    """A noisy curve as a mixture of Gaussians centred on closely spaced points of it."""
    return GaussianMixture2D(
        name,
        title,
        description,
        view,
        centres=tuple(map(tuple, np.round(points, 6).tolist())),
        std=std,
        weights=None if weights is None else tuple(weights.tolist()),
        classes=classes,
    )


def _midpoints(n: int, lo: float, hi: float) -> np.ndarray:
    return lo + (hi - lo) * (np.arange(n) + 0.5) / n


def _moons() -> np.ndarray:
    t = _midpoints(500, 0.0, math.pi)
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    return (np.concatenate([upper, lower]) - [0.5, 0.25]) * 1.4


def _spiral() -> tuple[np.ndarray, np.ndarray]:
    t = _midpoints(1200, 0.0, 3 * math.pi)
    r = 0.25 + 2.25 * t / (3 * math.pi)
    pts = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    speed = np.sqrt((2.25 / (3 * math.pi)) ** 2 + r**2)  # |d(point)/dt|: equal mass per arc length
    return pts, speed


SQUARE_VIEW: View2D = ((-3.0, 3.0), (-3.0, 3.0))


def _register() -> None:
    ring = [(2 * math.cos(2 * math.pi * k / 8), 2 * math.sin(2 * math.pi * k / 8)) for k in range(8)]
    DISTRIBUTIONS.register(
        "ring",
        GaussianMixture2D("ring", "Ring of 8 (benchmark)", "8 Gaussians of std 0.02 on a circle of radius 2: the mode-collapse benchmark.", SQUARE_VIEW, tuple(ring), 0.02, has_modes=True),
    )
    DISTRIBUTIONS.register(
        "ring-wide",
        GaussianMixture2D("ring-wide", "Ring of 8 (wide)", "The ring with std 0.15 bumps: easier to see and to learn.", SQUARE_VIEW, tuple(ring), 0.15, has_modes=True),
    )
    grid = [(float(x), float(y)) for y in (-4, -2, 0, 2, 4) for x in (-4, -2, 0, 2, 4)]
    DISTRIBUTIONS.register(
        "grid",
        GaussianMixture2D("grid", "Grid of 25 (benchmark)", "25 Gaussians of std 0.05 on a 5×5 grid, 2 apart.", ((-6.0, 6.0), (-6.0, 6.0)), tuple(grid), 0.05, has_modes=True),
    )
    DISTRIBUTIONS.register(
        "clusters",
        GaussianMixture2D(
            "clusters", "Two clusters", "Two separate Gaussian clusters (std 0.3): GAN Lab's mixture workload.", SQUARE_VIEW, ((-1.5, -1.0), (1.5, 1.0)), 0.3, has_modes=True
        ),
    )
    line = np.stack([_midpoints(400, -2.0, 2.0), 0.5 * _midpoints(400, -2.0, 2.0)], 1)
    DISTRIBUTIONS.register("line", curve_mixture("line", "A line", "A thin segment from (−2, −1) to (2, 1): a 1-D manifold in 2-D.", SQUARE_VIEW, line, 0.04))
    moons = _moons()
    half = len(moons) // 2  # the upper moon is class 0, the lower class 1
    DISTRIBUTIONS.register(
        "moons", curve_mixture("moons", "Two moons", "Two interleaved half circles (class 0 above, class 1 below).", SQUARE_VIEW, moons, 0.08, classes=(0,) * half + (1,) * half)
    )
    spiral, speed = _spiral()
    DISTRIBUTIONS.register("spiral", curve_mixture("spiral", "Spiral", "One and a half turns of a spiral.", SQUARE_VIEW, spiral, 0.06, weights=speed))
    DISTRIBUTIONS.register("square", UniformSquare("square", "Uniform square", "Uniform on [−1.5, 1.5]²: sharp edges and corners.", SQUARE_VIEW))
    DISTRIBUTIONS.register(
        "disjoint",
        UniformSquare(
            "disjoint", "Disjoint patch", "Uniform on the square [1, 2]², away from where G starts: at first the supports do not touch.", SQUARE_VIEW, low=1.0, high=2.0
        ),
    )
    DISTRIBUTIONS.register("drawn", drawn_distribution([(0.0, 0.0)]))


def drawn_distribution(points: list[tuple[float, float]] | list[list[float]], classes: list[int] | tuple[int, ...] = ()) -> GaussianMixture2D:
    """p_data from the user's drawing: a kernel density (std DRAWN_STD) on the drawn points.
    `classes` gives each point its class (the colour it was drawn in); empty: one class."""
    return GaussianMixture2D(
        "drawn",
        "Draw your own",
        "Sketch points or strokes on the canvas; they become p_data (a small Gaussian around each).",
        DRAW_AREA,
        tuple((float(x), float(y)) for x, y in points),
        DRAWN_STD,
        classes=tuple(int(c) for c in classes) if len(classes) == len(points) and len(classes) else None,
    )


_register()
