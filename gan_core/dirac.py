"""The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which training methods for GANs do
actually converge?"): p_data = δ₀, the generator is a point p_θ = δ_θ and the discriminator
is linear, D(x) = ψ·x. The whole game lives in the (θ, ψ) plane with its equilibrium at (0, 0),
which makes visible why plain GAN training circles instead of converging and how a gradient
penalty on the data (R1) damps it.

The losses are the lab's own objectives (gan_core.objectives) evaluated on D's outputs
ψ·0 = 0 for the real point and ψ·θ for the fake one; the regularisers are written for this
linear D (∇ₓD = ψ everywhere): R1 adds (γ/2)ψ², the WGAN-GP penalty λ(|ψ| − 1)², clipping
(when asked for) keeps |ψ| ≤ c. Updates are gradient descent on both, simultaneous or
alternating. The paper's "plain GAN" is the minimax objective of eq. 1: simultaneous updates
spiral out, alternating ones circle; R1 with γ > 0 converges."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Literal

import torch

from gan_core.objectives import OBJECTIVES

Mode = Literal["simultaneous", "alternating"]


class DiracError(ValueError):
    """A setting the Dirac-GAN cannot use, with a message naming it (`field`: its name, for
    a page that marks the control or drops the bad value of a link)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _bad(name: str, problem: str) -> DiracError:
    return DiracError(f"{name}: {problem}", name)


@dataclass(frozen=True)
class DiracConfig:
    objective: str = "non-saturating"
    r1_gamma: float = 0.0  # R1 penalty γ (0: none)
    gp_weight: float = 10.0  # λ of WGAN-GP's penalty (only for wasserstein-gp)
    clip_value: float = 0.0  # the critic's clipping bound for wasserstein (0: none, the plain WGAN field)
    lr: float = 0.1  # step size h of both players
    mode: Mode = "simultaneous"
    theta: float = 1.0  # where the game starts
    psi: float = 1.0

    def __post_init__(self) -> None:
        if self.objective not in OBJECTIVES:
            raise _bad("objective", f"no objective {self.objective!r}; choose one of: {', '.join(dirac_objectives())}")
        if OBJECTIVES.get(self.objective).network == "none":
            raise _bad("objective", f"{self.objective} has no discriminator, so there is no ψ to play against")
        if self.mode not in ("simultaneous", "alternating"):
            raise _bad("mode", "must be simultaneous or alternating")
        for name in ("r1_gamma", "gp_weight", "clip_value", "lr", "theta", "psi"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise _bad(name, "must be a finite number")
        for name in ("r1_gamma", "gp_weight", "clip_value"):
            if getattr(self, name) < 0:
                raise _bad(name, "must be ≥ 0")
        if not 0 < self.lr <= 10:
            raise _bad("lr", "must be in (0, 10]")

    def updated(self, changes: dict[str, str]) -> DiracConfig:
        """Text settings (the CLI's --set KEY=VALUE), each named in the error it causes."""
        known = {f.name: f for f in fields(self)}
        values: dict[str, object] = {}
        for key, text in changes.items():
            if key not in known:
                raise _bad(key, f"not a Dirac-GAN setting; choose from: {', '.join(known)}")
            if key in ("objective", "mode"):
                values[key] = text
            else:
                try:
                    values[key] = float(text)
                except ValueError:
                    raise _bad(key, f"not a number: {text!r}") from None
        return replace(self, **values)  # type: ignore[arg-type]


PLAIN_GAN = DiracConfig(objective="minimax")  # the paper's plain GAN (eq. 1): where the page and the CLI start


def dirac_objectives() -> list[str]:
    """The lab's objectives the Dirac-GAN can play: those with a second network (ψ)."""
    return [name for name in OBJECTIVES if OBJECTIVES.get(name).network != "none"]


def settings_used(objective: str) -> dict[str, bool]:
    """Which regulariser settings an objective reads (R1 applies to all; λ only to WGAN-GP,
    c only to the clipped WGAN): the page greys out the others."""
    obj = OBJECTIVES.get(objective)
    return {"r1_gamma": True, "gp_weight": obj.gradient_penalty, "clip_value": obj.clip_weights}


def losses(theta: torch.Tensor, psi: torch.Tensor, c: DiracConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """(D's loss, G's loss) at (θ, ψ), regularisers included in D's."""
    obj = OBJECTIVES.get(c.objective)
    real = (psi * 0.0).reshape(1, 1)  # D(0)
    fake = (psi * theta).reshape(1, 1)  # D(θ)
    d_loss = obj.d_loss(real, fake, 1.0)  # type: ignore[misc]
    if c.r1_gamma > 0:
        d_loss = d_loss + 0.5 * c.r1_gamma * psi**2  # ‖∇ₓD(0)‖² = ψ²
    if obj.gradient_penalty and c.gp_weight > 0:
        d_loss = d_loss + c.gp_weight * (psi.abs() - 1) ** 2  # ∇ₓD = ψ on every interpolate
    g_loss = obj.g_loss(fake, real)  # type: ignore[misc]
    return d_loss.reshape(()), g_loss.reshape(())


def field(theta: float, psi: float, c: DiracConfig) -> tuple[float, float]:
    """The update direction (−∂L_G/∂θ, −∂L_D/∂ψ) at one point: what the view draws as arrows."""
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    p = torch.tensor(psi, dtype=torch.float64, requires_grad=True)
    d_loss, g_loss = losses(t, p, c)
    (dpsi,) = torch.autograd.grad(d_loss, p, retain_graph=True)  # the two losses share D(θ)
    (dtheta,) = torch.autograd.grad(g_loss, t)
    return -float(dtheta), -float(dpsi)


def step(theta: float, psi: float, c: DiracConfig) -> tuple[float, float]:
    """One update of both players: simultaneous (both from the same point) or alternating
    (D first, then G against the new D)."""
    v_theta, v_psi = field(theta, psi, c)
    new_psi = psi + c.lr * v_psi
    if OBJECTIVES.get(c.objective).clip_weights and c.clip_value > 0:
        new_psi = max(-c.clip_value, min(c.clip_value, new_psi))
    if c.mode == "alternating":
        v_theta, _ = field(theta, new_psi, c)
    return theta + c.lr * v_theta, new_psi


def trajectory(c: DiracConfig, steps: int, every: int = 1) -> list[dict[str, float]]:
    """The points every `every` updates and at the last, with the distance to (0, 0)."""
    theta, psi = c.theta, c.psi
    out = [{"step": 0, "theta": theta, "psi": psi, "distance": math.hypot(theta, psi)}]
    for i in range(1, steps + 1):
        theta, psi = step(theta, psi, c)
        if not (math.isfinite(theta) and math.isfinite(psi)):
            out.append({"step": i, "theta": theta, "psi": psi, "distance": float("inf")})
            break
        if i % every == 0 or i == steps:
            out.append({"step": i, "theta": theta, "psi": psi, "distance": math.hypot(theta, psi)})
    return out


MAX_GRID = 41  # arrows a side: enough for a projector, few enough to compute in ~0.2 s
MAX_BOX = 1e6  # |θ|, |ψ| of a view box


@dataclass(frozen=True)
class Grid:
    """A view box [θ_lo, θ_hi] × [ψ_lo, ψ_hi] with n_theta × n_psi points, corners included."""

    theta_lo: float
    theta_hi: float
    psi_lo: float
    psi_hi: float
    n_theta: int = 21
    n_psi: int = 21

    def __post_init__(self) -> None:
        for name in ("theta_lo", "theta_hi", "psi_lo", "psi_hi"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or abs(value) > MAX_BOX:
                raise _bad(name, f"must be a number in [−{MAX_BOX:g}, {MAX_BOX:g}]")
        if not self.theta_lo < self.theta_hi:
            raise _bad("theta_hi", "must be above theta_lo")
        if not self.psi_lo < self.psi_hi:
            raise _bad("psi_hi", "must be above psi_lo")
        for name in ("n_theta", "n_psi"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= MAX_GRID:
                raise _bad(name, f"must be a whole number from 2 to {MAX_GRID}")

    def axes(self) -> tuple[list[float], list[float]]:
        def ticks(lo: float, hi: float, n: int) -> list[float]:
            return [lo + (hi - lo) * i / (n - 1) for i in range(n)]

        return ticks(self.theta_lo, self.theta_hi, self.n_theta), ticks(self.psi_lo, self.psi_hi, self.n_psi)


def field_grid(c: DiracConfig, grid: Grid) -> dict[str, list[float]]:
    """`field` at every point of the grid, row by row (ψ outer, θ inner): v_theta[j·n_theta + i]
    is the θ-direction at (theta[i], psi[j])."""
    thetas, psis = grid.axes()
    v_theta: list[float] = []
    v_psi: list[float] = []
    for psi in psis:
        for theta in thetas:
            vt, vp = field(theta, psi, c)
            v_theta.append(vt)
            v_psi.append(vp)
    return {"theta": thetas, "psi": psis, "v_theta": v_theta, "v_psi": v_psi}
