"""The paper's Algorithm 1, one update at a time. The update functions are pure: parameters
and optimizer state go in as tensors and come out as tensors (torch.func), so many sessions
of one shape could later be stepped together. `Trainer` holds one session's state and
its random generator, counts updates and notices divergence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch.func import grad_and_value

from gan_core import optim
from gan_core.config import LabConfig
from gan_core.distributions import DISTRIBUTIONS, Distribution1D
from gan_core.distributions2d import Distribution2D, drawn_distribution
from gan_core.networks import Params, all_finite, init_mlp, layer_sizes, mlp
from gan_core.objectives import OBJECTIVES, Objective
from gan_core.priors import PRIORS, Prior

LOSS_LIMIT = 1e5  # a GAN loss this large means the logits exploded
StepTarget = Literal["iteration", "discriminator", "generator"]


@dataclass(frozen=True)
class StepSettings:
    """What the pure update functions need besides tensors."""

    objective: Objective
    g_activation: str
    d_activation: str
    g_opt: optim.OptimizerSettings
    d_opt: optim.OptimizerSettings

    def generator(self, g_params: Params, z: torch.Tensor) -> torch.Tensor:
        return mlp(g_params, z, self.g_activation)

    def discriminator(self, d_params: Params, x: torch.Tensor) -> torch.Tensor:
        """D's logit. x is fed raw: rescaling it to the view (centre 0, edges ±1) was tried
        and made D sharp enough to chase a collapsed p_g around (JS stayed near 0.5)."""
        return mlp(d_params, x, self.d_activation)

    @classmethod
    def from_config(cls, c: LabConfig) -> StepSettings:
        def opt(lr: float) -> optim.OptimizerSettings:
            return optim.OptimizerSettings(c.optimizer, lr, c.momentum, c.beta1, c.beta2)

        return cls(OBJECTIVES.get(c.objective), c.g_activation, c.d_activation, opt(c.lr_g), opt(c.lr_d))


def discriminator_step(
    d_params: Params,
    d_state: optim.OptState,
    g_params: Params,
    x_real: torch.Tensor,
    z: torch.Tensor,
    s: StepSettings,
    lr_scale: float = 1.0,
) -> tuple[Params, optim.OptState, torch.Tensor]:
    """One ascent step of V(D, G) for D with G fixed. Returns new params, new optimizer state
    and (loss_d, mean D(real), mean D(fake)) before the update."""
    with torch.no_grad():
        x_fake = s.generator(g_params, z)

    def loss_fn(dp: Params) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        real_logit = s.discriminator(dp, x_real)
        fake_logit = s.discriminator(dp, x_fake)
        return s.objective.d_loss(real_logit, fake_logit), (real_logit, fake_logit)

    grads, (loss, (real_logit, fake_logit)) = grad_and_value(loss_fn, has_aux=True)(d_params)
    new_params, new_state = optim.update(d_params, grads, d_state, s.d_opt, lr_scale)
    stats = torch.stack([loss, torch.sigmoid(real_logit).mean(), torch.sigmoid(fake_logit).mean()]).detach()
    return new_params, new_state, stats


def generator_step(
    g_params: Params, g_state: optim.OptState, d_params: Params, z: torch.Tensor, s: StepSettings, lr_scale: float = 1.0
) -> tuple[Params, optim.OptState, torch.Tensor]:
    """One descent step of the objective's generator loss with D fixed. Returns new params,
    new state and (loss_g, mean D(fake)) before the update."""

    def loss_fn(gp: Params) -> tuple[torch.Tensor, torch.Tensor]:
        fake_logit = s.discriminator(d_params, s.generator(gp, z))
        return s.objective.g_loss(fake_logit), fake_logit

    grads, (loss, fake_logit) = grad_and_value(loss_fn, has_aux=True)(g_params)
    new_params, new_state = optim.update(g_params, grads, g_state, s.g_opt, lr_scale)
    return new_params, new_state, torch.stack([loss, torch.sigmoid(fake_logit).mean()]).detach()


def resolve_p_data(c: LabConfig) -> Distribution1D | Distribution2D:
    """The registry's distribution, or the user's drawing for 'drawn'."""
    if c.distribution == "drawn":
        return drawn_distribution(c.drawn_points)
    return DISTRIBUTIONS.get(c.distribution)


class Diverged(RuntimeError):
    """Training produced NaN or inf; the last finite state is kept."""


class Trainer:
    """One GAN session: networks, optimizers, counters and the seeded sampler."""

    def __init__(self, config: LabConfig, device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        self.config = config
        self.reset()

    # -- set-up ---------------------------------------------------------------------------
    @property
    def p_data(self) -> Distribution1D | Distribution2D:
        return self._p_data

    @property
    def prior(self) -> Prior:
        return PRIORS.get(self.config.prior)

    def reset(self, config: LabConfig | None = None) -> None:
        """Fresh networks from the seed. With `config`, switch to it first."""
        if config is not None:
            self.config = config
        c = self.config
        self._p_data = resolve_p_data(c)
        self.settings = StepSettings.from_config(c)
        self.gen = torch.Generator().manual_seed(c.seed)
        dim = self.p_data.dim
        to = self.device
        self.g_params = tuple(p.to(to) for p in init_mlp(layer_sizes(c.noise_dim, c.g_layers, c.g_width, dim), self.gen))
        self.d_params = tuple(p.to(to) for p in init_mlp(layer_sizes(dim, c.d_layers, c.d_width, 1), self.gen))
        self.g_state = optim.init_state(self.g_params)
        self.d_state = optim.init_state(self.d_params)
        self.iteration = 0
        self.d_updates = 0
        self.g_updates = 0
        self.diverged: str | None = None
        self.last = {"loss_d": float("nan"), "loss_g": float("nan"), "d_real": float("nan"), "d_fake": float("nan")}

    @property
    def lr_scale(self) -> float:
        """Learning-rate multiplier at the current iteration (1 without a half-life)."""
        halflife = self.config.lr_halflife
        return 0.5 ** (self.iteration / halflife) if halflife else 1.0

    def _real(self) -> torch.Tensor:
        return self.p_data.sample(self.config.batch_size, self.gen).to(self.device)

    def _noise(self) -> torch.Tensor:
        return self.prior.sample(self.config.batch_size, self.config.noise_dim, self.gen).to(self.device)

    # -- Algorithm 1 ----------------------------------------------------------------------
    def step_discriminator(self) -> None:
        self._check_not_diverged()
        params, state, stats = discriminator_step(
            self.d_params, self.d_state, self.g_params, self._real(), self._noise(), self.settings, self.lr_scale
        )
        loss, d_real, d_fake = stats.tolist()
        self._commit("discriminator", params, state, loss)
        self.last.update(loss_d=loss, d_real=d_real, d_fake=d_fake)
        self.d_updates += 1

    def step_generator(self) -> None:
        self._check_not_diverged()
        params, state, stats = generator_step(
            self.g_params, self.g_state, self.d_params, self._noise(), self.settings, self.lr_scale
        )
        loss, _ = stats.tolist()
        self._commit("generator", params, state, loss)
        self.last.update(loss_g=loss)
        self.g_updates += 1

    def step_iteration(self) -> None:
        """k discriminator updates, then g_steps generator updates (1 in the paper)."""
        for _ in range(self.config.d_steps):
            self.step_discriminator()
        for _ in range(self.config.g_steps):
            self.step_generator()
        self.iteration += 1

    def step(self, target: StepTarget = "iteration", count: int = 1) -> None:
        fn = {
            "iteration": self.step_iteration,
            "discriminator": self.step_discriminator,
            "generator": self.step_generator,
        }[target]
        for _ in range(count):
            fn()

    # -- divergence -----------------------------------------------------------------------
    def _commit(self, which: str, params: Params, state: optim.OptState, loss: float) -> None:
        if not abs(loss) < LOSS_LIMIT or not all_finite(params):  # `not <` also catches NaN
            self.diverged = (
                f"the {which}'s update blew up (NaN, inf or huge values) at iteration {self.iteration} "
                "(learning rate too high?); the last good state is kept"
            )
            raise Diverged(self.diverged)
        if which == "discriminator":
            self.d_params, self.d_state = params, state
        else:
            self.g_params, self.g_state = params, state

    def _check_not_diverged(self) -> None:
        if self.diverged:
            raise Diverged(self.diverged)

    # -- evaluation helpers used by the probes --------------------------------------------
    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        return self.settings.generator(self.g_params, z.to(self.device))

    @torch.no_grad()
    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """D(x) as a probability."""
        return torch.sigmoid(self.discriminator_logit(x))

    @torch.no_grad()
    def discriminator_logit(self, x: torch.Tensor) -> torch.Tensor:
        return self.settings.discriminator(self.d_params, x.to(self.device))
