"""Divergences between binned p_data and p_g, and the mode metrics of the 2-D benchmarks.

JS and KL are computed between cell masses on a grid (1-D: the 400 drawing bins, 2-D: 64×64
cells over the view) plus cells for everything outside it. p_data's masses are exact; p_g's
come from G applied to a fixed, deterministic set of noise points (see probes.py).
- JS(p_data ‖ p_g) is bounded (≤ log 2 nats) and needs no smoothing.
- KL(p_data ‖ p_g) is infinite as soon as one cell with data gets no generated point, which
  with a finite noise set always happens somewhere; so p_g's cell counts get half a point
  added to every cell (the Krichevsky–Trofimov estimator) before the KL is taken.
Binning can only lower a divergence, so both are slight underestimates of the continuous ones.

Mode metrics (VEEGAN / PacGAN style, for distributions whose modes are separate Gaussians):
a generated sample is *high quality* when it lies within 3 standard deviations of the nearest
mode centre; a mode is *covered* when at least MIN_HQ_PER_MODE of the MODE_SAMPLES generated
samples are high-quality samples of that mode. hq_fraction is the high-quality share."""

from __future__ import annotations

import math

import numpy as np

HQ_STDS = 3.0
MODE_SAMPLES = 2500
MIN_HQ_PER_MODE = 20


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence in nats between two discrete distributions."""
    p = p / p.sum()
    q = q / q.sum()
    m = 0.5 * (p + q)

    def kl(a: np.ndarray) -> float:
        nz = a > 0
        return float(np.sum(a[nz] * np.log(a[nz] / m[nz])))

    return max(0.0, 0.5 * kl(p) + 0.5 * kl(q))


def smoothed_mass(mass: np.ndarray, n_points: int) -> np.ndarray:
    """Cell masses of n_points samples with half a sample added to every cell."""
    counts = np.asarray(mass, dtype=np.float64) * n_points
    return (counts + 0.5) / (n_points + 0.5 * counts.size)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p ‖ q) in nats; q must be positive wherever p is (use smoothed_mass)."""
    p = p / p.sum()
    q = q / q.sum()
    nz = p > 0
    return max(0.0, float(np.sum(p[nz] * np.log(p[nz] / q[nz]))))


def mode_metrics(samples: np.ndarray, centres: np.ndarray, std: float) -> dict[str, float | int]:
    """modes_covered, modes_total and hq_fraction of generated `samples` (N, 2)."""
    samples = np.asarray(samples, dtype=np.float64).reshape(-1, 2)
    centres = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    d2 = ((samples[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
    nearest = d2.argmin(1)
    finite = np.isfinite(d2).all(1)
    hq = finite & (np.sqrt(d2[np.arange(len(samples)), nearest]) <= HQ_STDS * std)
    per_mode = np.bincount(nearest[hq], minlength=len(centres))
    return {
        "modes_covered": int((per_mode >= MIN_HQ_PER_MODE).sum()),
        "modes_total": len(centres),
        "hq_fraction": float(hq.mean()) if len(samples) else 0.0,
    }


def finite_or_none(a: float) -> float | None:
    """JSON has no NaN: undefined scalars (a loss before any update) travel as null."""
    return a if math.isfinite(a) else None
