"""The paper's Algorithm 1, one update at a time. The update functions are pure: parameters
and optimizer state go in as tensors and come out as tensors (torch.func), so many sessions
of one shape could later be stepped together. `Trainer` holds one session's state and
its random generator, counts updates and notices divergence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

from gan_core import optim
from gan_core.batched import LOSS_LIMIT, Stack, stackable
from gan_core.config import LabConfig
from gan_core.distributions import DISTRIBUTIONS, Distribution1D
from gan_core.distributions2d import Distribution2D, drawn_distribution
from gan_core.labels import ClassMixture, class_mixture
from gan_core.models import ModelRuntime, discriminator_io, generator_inputs, init_q_head
from gan_core.networks import (
    Params,
    all_finite,
    discriminator_features,
    discriminator_head,
    init_discriminator,
    init_mlp,
    init_spectral_vectors,
    layer_sizes,
    mlp,
    power_iteration,
    spectral_sigmas,
)
from gan_core.objectives import OBJECTIVES, Objective, mmd2_unbiased
from gan_core.priors import PRIORS, Prior
from gan_core.regularizers import Regs, gradient_penalty, r1_penalty

StepTarget = Literal["iteration", "discriminator", "generator"]


@dataclass(frozen=True)
class StepSettings:
    """What the pure update functions need besides tensors: the objective, the active
    regularisers with their weights, the activations and the optimizers."""

    objective: Objective
    regs: Regs
    g_activation: str
    d_activation: str
    g_opt: optim.OptimizerSettings
    d_opt: optim.OptimizerSettings
    clip_value: float = 0.01
    gp_weight: float = 10.0
    r1_gamma: float = 1.0
    real_target: float = 1.0
    historical_weight: float = 0.0

    def generator(self, g_params: Params, z: torch.Tensor) -> torch.Tensor:
        return mlp(g_params, z, self.g_activation)

    def features(self, d_params: Params, x: torch.Tensor, sigmas: Params | None = None) -> torch.Tensor:
        return discriminator_features(d_params, x, self.d_activation, self.regs.minibatch, sigmas)

    def discriminator(self, d_params: Params, x: torch.Tensor, sigmas: Params | None = None, reference: torch.Tensor | None = None) -> torch.Tensor:
        """The second network's raw output: D's logit, or the critic's score. x is fed raw:
        rescaling it to the view (centre 0, edges ±1) was tried and made D sharp enough to
        chase a collapsed p_g around (JS stayed near 0.5). `reference` is the batch
        minibatch discrimination compares with (default: x's own batch)."""
        h = self.features(d_params, x, sigmas)
        ref = None if reference is None else self.features(d_params, reference, sigmas)
        return discriminator_head(d_params, h, self.regs.minibatch, sigmas, ref)

    def mean_output(self, out: torch.Tensor) -> torch.Tensor:
        """Mean D(x) as a probability, or the mean score of a critic."""
        return torch.sigmoid(out).mean() if self.objective.output == "probability" else out.mean()

    @classmethod
    def from_config(cls, c: LabConfig) -> StepSettings:
        def opt(lr: float) -> optim.OptimizerSettings:
            return optim.OptimizerSettings(c.optimizer, lr, c.momentum, c.beta1, c.beta2)

        regs = Regs.from_names(c.regularizers)
        return cls(
            OBJECTIVES.get(c.objective),
            regs,
            c.g_activation,
            c.d_activation,
            opt(c.lr_g),
            opt(c.lr_d),
            clip_value=c.clip_value,
            gp_weight=c.gp_weight,
            r1_gamma=c.r1_gamma,
            real_target=c.label_smoothing if regs.label_smoothing else 1.0,
            historical_weight=c.historical_weight,
        )


@dataclass
class Batch:
    """One update's random inputs, drawn by the Trainer from its seeded generator so the
    update functions stay pure. Optional parts are drawn only when a trick needs them."""

    z: torch.Tensor
    x_real: torch.Tensor | None = None
    eps: torch.Tensor | None = None  # WGAN-GP interpolation weights, (m, 1)
    noise_real: torch.Tensor | None = None  # instance noise, already scaled by σ
    noise_fake: torch.Tensor | None = None


def _leaves(params: Params) -> Params:
    return tuple(p.detach().requires_grad_() for p in params)


def _historical(params: Params, average: Params | None, weight: float) -> torch.Tensor | float:
    if average is None:
        return 0.0
    return weight * sum(((p - a) ** 2).sum() for p, a in zip(params, average))


def discriminator_step(
    d_params: Params,
    d_state: optim.OptState,
    g_params: Params,
    batch: Batch,
    s: StepSettings,
    lr_scale: float = 1.0,
    sn_u: Params | None = None,
    d_average: Params | None = None,
) -> tuple[Params, optim.OptState, torch.Tensor, Params | None]:
    """One step of the discriminator (or critic) with G fixed. Returns new params, new
    optimizer state, (loss_d, mean output on real, on fake) before the update, and the
    spectral-norm vectors after this step's power iteration."""
    assert batch.x_real is not None
    with torch.no_grad():
        x_fake = s.generator(g_params, batch.z)
    x_real = batch.x_real
    if batch.noise_real is not None and batch.noise_fake is not None:
        x_real, x_fake = x_real + batch.noise_real, x_fake + batch.noise_fake
    if sn_u is not None:
        sn_u = power_iteration(d_params, sn_u, s.regs.minibatch)
    dp = _leaves(d_params)
    sigmas = spectral_sigmas(dp, sn_u, s.regs.minibatch) if sn_u is not None else None
    if s.regs.r1:
        x_real = x_real.detach().requires_grad_()
    real_out = s.discriminator(dp, x_real, sigmas)
    fake_out = s.discriminator(dp, x_fake, sigmas)
    loss = s.objective.d_loss(real_out, fake_out, s.real_target)  # type: ignore[misc]
    if s.objective.gradient_penalty and s.gp_weight > 0:
        assert batch.eps is not None
        x_hat = (batch.eps * x_real.detach() + (1 - batch.eps) * x_fake).requires_grad_()
        (grad,) = torch.autograd.grad(s.discriminator(dp, x_hat, sigmas).sum(), x_hat, create_graph=True)
        loss = loss + s.gp_weight * gradient_penalty(grad)
    if s.regs.r1 and s.r1_gamma > 0:
        (grad,) = torch.autograd.grad(real_out.sum(), x_real, create_graph=True)
        loss = loss + 0.5 * s.r1_gamma * r1_penalty(grad)
    loss = loss + _historical(dp, d_average, s.historical_weight)
    grads = torch.autograd.grad(loss, dp)
    new_params, new_state = optim.update(d_params, grads, d_state, s.d_opt, lr_scale)
    if s.objective.clip_weights:
        new_params = tuple(p.clamp(-s.clip_value, s.clip_value) for p in new_params)
    with torch.no_grad():
        stats = torch.stack([loss.detach(), s.mean_output(real_out.detach()), s.mean_output(fake_out.detach())])
    return new_params, new_state, stats, sn_u


def generator_loss(
    d_params: Params, x_fake: torch.Tensor, x_real: torch.Tensor | None, s: StepSettings, sigmas: Params | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """G's loss on a batch of its samples (differentiable in x_fake) and the second network's
    mean output on them (NaN for mmd). x_real is used by relativistic losses, feature
    matching and mmd."""
    obj = s.objective
    if obj.network == "none":
        assert x_real is not None
        return mmd2_unbiased(x_real, x_fake), torch.tensor(float("nan"))
    if s.regs.feature_matching:
        assert x_real is not None
        h_fake = s.features(d_params, x_fake, sigmas)
        with torch.no_grad():
            h_real = s.features(d_params, x_real, sigmas)
        loss = (h_real.mean(0) - h_fake.mean(0)).square().sum()
        with torch.no_grad():
            fake_out = discriminator_head(d_params, h_fake.detach(), s.regs.minibatch, sigmas)
        return loss, s.mean_output(fake_out)
    fake_out = s.discriminator(d_params, x_fake, sigmas)
    real_out = None
    if obj.g_needs_real:
        assert x_real is not None
        with torch.no_grad():
            real_out = s.discriminator(d_params, x_real, sigmas)
    loss = obj.g_loss(fake_out, real_out)  # type: ignore[misc,arg-type]
    return loss, s.mean_output(fake_out.detach())


def generator_step(
    g_params: Params,
    g_state: optim.OptState,
    d_params: Params,
    batch: Batch,
    s: StepSettings,
    lr_scale: float = 1.0,
    sn_u: Params | None = None,
    g_average: Params | None = None,
) -> tuple[Params, optim.OptState, torch.Tensor]:
    """One step of the generator with D fixed. Returns new params, new state and
    (loss_g, mean output on fake, ‖∇θ loss_g‖) before the update."""
    gp_ = _leaves(g_params)
    x_fake = s.generator(gp_, batch.z)
    x_real = batch.x_real
    if batch.noise_fake is not None:
        x_fake = x_fake + batch.noise_fake
        if x_real is not None and batch.noise_real is not None:
            x_real = x_real + batch.noise_real
    sigmas = spectral_sigmas(d_params, sn_u, s.regs.minibatch) if sn_u is not None else None
    loss, fake_mean = generator_loss(d_params, x_fake, x_real, s, sigmas)
    total = loss + _historical(gp_, g_average, s.historical_weight)
    grads = torch.autograd.grad(total, gp_)
    new_params, new_state = optim.update(g_params, grads, g_state, s.g_opt, lr_scale)
    with torch.no_grad():
        grad_norm = torch.sqrt(sum(g.square().sum() for g in grads))  # type: ignore[arg-type]
        stats = torch.stack([total.detach(), fake_mean, grad_norm])
    return new_params, new_state, stats


def resolve_p_data(c: LabConfig) -> Distribution1D | Distribution2D:
    """The registry's distribution, or the user's drawing for 'drawn'."""
    if c.distribution == "drawn":
        return drawn_distribution(c.drawn_points, c.drawn_classes)
    return DISTRIBUTIONS.get(c.distribution)


class Diverged(RuntimeError):
    """Training produced NaN or inf; the last finite state is kept."""


def _running_mean(average: Params, params: Params, count: int) -> Params:
    """The mean of `count` values from the mean of the first count − 1 and the newest."""
    return tuple(a + (p - a) / count for a, p in zip(average, params))


def _never() -> bool:
    return False


class Interrupted(Exception):
    """Training was asked to stop (Trainer.should_stop) between two updates."""


class Trainer:
    """One GAN session: networks, optimizers, the tricks' state, counters and the seeded
    sampler. `apply_config` changes settings under the running networks."""

    def __init__(self, config: LabConfig, device: str | torch.device = "cpu") -> None:
        self.device = torch.device(device)
        self.config = config
        # Asked between updates (never inside one): a server closing a session stops it
        # mid-iteration instead of waiting for k + g_steps updates to finish.
        self.should_stop: Callable[[], bool] = _never
        self.reset()

    # -- set-up ---------------------------------------------------------------------------
    @property
    def p_data(self) -> Distribution1D | Distribution2D:
        return self._p_data

    @property
    def prior(self) -> Prior:
        return PRIORS.get(self.config.prior)

    @property
    def objective(self) -> Objective:
        return self.settings.objective

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
        minibatch = (c.mbd_kernels, c.mbd_kernel_dims) if self.settings.regs.minibatch else None
        # The classes of p_data (labelled data) and the model's input and output sizes; the
        # plain GAN's are (noise_dim → dim) and (dim → 1), with the same random stream as ever.
        self.classes: ClassMixture | None = class_mixture(self._p_data)
        n_classes = self.classes.n_classes if self.classes is not None else 0
        g_in = generator_inputs(c.model, c.noise_dim, n_classes, c.info_categories, c.info_continuous)
        d_in, d_out = discriminator_io(c.model, dim, n_classes)
        self.g_params = tuple(p.to(to) for p in init_mlp(layer_sizes(g_in, c.g_layers, c.g_width, dim), self.gen))
        self.d_params = tuple(p.to(to) for p in init_discriminator(layer_sizes(d_in, c.d_layers, c.d_width, d_out), self.gen, minibatch))
        self.runtime: ModelRuntime | None = None
        if c.model != "gan":
            self.runtime = ModelRuntime(self, self.classes)
            if c.model == "infogan":
                features = c.d_width if c.d_layers else d_in
                self.runtime.q_params = tuple(p.to(to) for p in init_q_head(features, c.info_categories, c.info_continuous, self.gen))
        self.g_state = optim.init_state(self.g_params)
        self.d_state = self._init_d_state()
        # Minibatch discrimination needs a batch to compare a single probed point with: a
        # fixed noise batch through the current G (its own generator, so the run's random
        # stream is the same with and without the trick).
        self.reference_z = self.prior.sample(min(c.batch_size, 256), c.noise_dim, torch.Generator().manual_seed(c.seed + 104729)).to(to)
        self.sn_u: Params | None = None
        self.d_average: Params | None = None
        self.g_average: Params | None = None
        self._average_count = 0
        self._init_tricks()
        self.stackable = stackable(self)  # steps through gan_core.batched (S = 1 alone)
        self.iteration = 0
        self.phase = 0  # updates done in the current iteration (one was interrupted part-way)
        self.d_updates = 0
        self.g_updates = 0
        self.diverged: str | None = None
        self._previous: dict[str, tuple[Params, optim.OptState]] = {}
        self.last = {"loss_d": float("nan"), "loss_g": float("nan"), "d_real": float("nan"), "d_fake": float("nan"), "g_grad_norm": float("nan")}

    def _init_d_state(self) -> optim.OptState:
        """D's optimizer state; InfoGAN's Q head is updated with D, its buffers after D's."""
        q = self.runtime.q_params if self.runtime is not None else ()
        return optim.init_state(self.d_params + q)

    def _init_tricks(self) -> None:
        """State the active tricks keep: spectral-norm vectors, historical averages."""
        regs = self.settings.regs
        if regs.spectral_norm and self.sn_u is None:
            self.sn_u = init_spectral_vectors(self.d_params, regs.minibatch, torch.Generator().manual_seed(self.config.seed + 15485863))
            self.sn_u = tuple(u.to(self.device) for u in self.sn_u)
        elif not regs.spectral_norm:
            self.sn_u = None
        if regs.historical and self.g_average is None:
            self.d_average, self.g_average, self._average_count = self.d_params, self.g_params, 1
        elif not regs.historical:
            self.d_average = self.g_average = None

    def apply_config(self, config: LabConfig) -> list[str]:
        """Apply a config to the running networks. Returns the fields that need new
        networks; when there are any, nothing is applied (call reset(config) instead).
        A diverged run gets its last good state back with the new settings."""
        needs = self.config.changes_needing_reset(config)
        if needs:
            return needs
        if config.optimizer != self.config.optimizer:  # buffers mean different things
            self.g_state = optim.init_state(self.g_params)
            self.d_state = self._init_d_state()
            self._previous.clear()  # a restore must not bring back the other optimizer's buffers
        self.config = config
        self.settings = StepSettings.from_config(config)
        self._init_tricks()
        self.stackable = stackable(self)
        self.diverged = None
        return []

    @property
    def lr_scale(self) -> float:
        """Learning-rate multiplier at the current iteration (1 without a half-life)."""
        halflife = self.config.lr_halflife
        return 0.5 ** (self.iteration / halflife) if halflife else 1.0

    @property
    def instance_noise_std(self) -> float:
        """σ of the instance noise now (0 when the trick is off): linear anneal to 0."""
        c = self.config
        if not self.settings.regs.instance_noise:
            return 0.0
        if not c.instance_noise_anneal:
            return c.instance_noise
        return c.instance_noise * max(0.0, 1.0 - self.iteration / c.instance_noise_anneal)

    def _real(self) -> torch.Tensor:
        x = self.p_data.sample(self.config.batch_size, self.gen)
        return x if self.device.type == "cpu" else x.to(self.device)

    def _noise(self) -> torch.Tensor:
        z = self.prior.sample(self.config.batch_size, self.config.noise_dim, self.gen)
        return z if self.device.type == "cpu" else z.to(self.device)

    def _batch(self, x_real: torch.Tensor | None, z: torch.Tensor, gradient_penalty: bool = False) -> Batch:
        """Extra random inputs, drawn after x_real and z so plain runs keep their stream."""
        m, dim = len(z), self.p_data.dim
        batch = Batch(z=z, x_real=x_real)
        if gradient_penalty:
            batch.eps = torch.rand(m, 1, generator=self.gen).to(self.device)
        sigma = self.instance_noise_std
        if sigma > 0:
            batch.noise_real = (sigma * torch.randn(m, dim, generator=self.gen)).to(self.device)
            batch.noise_fake = (sigma * torch.randn(m, dim, generator=self.gen)).to(self.device)
        return batch

    # -- Algorithm 1 ----------------------------------------------------------------------
    def step_discriminator(self) -> None:
        """One update of the second network (a no-op for mmd, which has none)."""
        self._check_not_diverged()
        if self.objective.network == "none":
            return
        if self.runtime is not None:
            params, state, (loss, d_real, d_fake) = self.runtime.discriminator_update(self)
            self._commit("discriminator", params, state, loss)
            self.runtime.commit_q()
            self.last.update(loss_d=loss, d_real=d_real, d_fake=d_fake)
            self.d_updates += 1
            return
        s = self.settings
        batch = self._batch(self._real(), self._noise(), s.objective.gradient_penalty and s.gp_weight > 0)
        params, state, stats, sn_u = discriminator_step(
            self.d_params, self.d_state, self.g_params, batch, s, self.lr_scale, self.sn_u, self.d_average
        )
        loss, d_real, d_fake = stats.tolist()
        self._commit("discriminator", params, state, loss)
        self.sn_u = sn_u
        self.last.update(loss_d=loss, d_real=d_real, d_fake=d_fake)
        self.d_updates += 1

    def step_generator(self) -> None:
        self._check_not_diverged()
        if self.runtime is not None:
            params, state, (loss, _, grad_norm) = self.runtime.generator_update(self)
            self._commit("generator", params, state, loss)
            self.last.update(loss_g=loss, g_grad_norm=grad_norm)
            self.g_updates += 1
            return
        s = self.settings
        needs_real = s.objective.network == "none" or s.objective.g_needs_real or s.regs.feature_matching
        z = self._noise()
        x_real = self._real() if needs_real else None
        batch = self._batch(x_real, z)
        params, state, stats = generator_step(self.g_params, self.g_state, self.d_params, batch, s, self.lr_scale, self.sn_u, self.g_average)
        loss, d_fake, grad_norm = stats.tolist()
        self._commit("generator", params, state, loss)
        self.last.update(loss_g=loss, g_grad_norm=grad_norm)
        if s.objective.network == "none":
            self.last.update(loss_d=float("nan"), d_real=float("nan"), d_fake=float("nan"))
        self.g_updates += 1
        if self.d_average is not None and self.g_average is not None:
            self._average_count += 1
            self.d_average = _running_mean(self.d_average, self.d_params, self._average_count)
            self.g_average = _running_mean(self.g_average, self.g_params, self._average_count)

    def step_iteration(self) -> None:
        """k discriminator updates, then g_steps generator updates (1 in the paper).
        Raises Interrupted between updates when `should_stop()` says so; the iteration is
        then not counted, and the next call carries on with its remaining updates."""
        plan = "d" * self.config.d_steps + "g" * self.config.g_steps
        while self.phase < len(plan):
            self._check_stop()
            (self.step_discriminator if plan[self.phase] == "d" else self.step_generator)()
            self.phase += 1
        self.phase = 0
        self.iteration += 1

    def step(self, target: StepTarget = "iteration", count: int = 1) -> None:
        """`count` iterations, or single updates of one network. Stackable configurations
        run as a stack of one session (gan_core.batched), the very computation a scheduler
        runs for many sessions at once; the rest use the per-session functions above."""
        if self.stackable:
            self._step_stacked(target, count)
            return
        fn = {
            "iteration": self.step_iteration,
            "discriminator": self.step_discriminator,
            "generator": self.step_generator,
        }[target]
        for _ in range(count):
            self._check_stop()
            fn()

    def _step_stacked(self, target: StepTarget, count: int) -> None:
        self._check_not_diverged()
        stack = Stack([self])
        stack.should_stop = self.should_stop
        try:
            if target == "iteration":
                done = stack.run(count)
            else:
                done = 0
                while done < count and not self.should_stop() and stack.update("d" if target == "discriminator" else "g"):
                    done += 1
        finally:
            stack.write_back()
        self._check_not_diverged()
        if done < count:
            raise Interrupted("stopped between updates")

    def _check_stop(self) -> None:
        if self.should_stop():
            raise Interrupted("stopped between updates")

    # -- divergence -----------------------------------------------------------------------
    def _commit(self, which: str, params: Params, state: optim.OptState, loss: float) -> None:
        """Keep an update, or stop with the last good state. A huge loss is measured on the
        parameters earlier updates produced (a steep D makes G's loss explode), so the latest
        update of each network goes too: the state kept is the one before them, from which a
        lower learning rate can carry on."""
        loss_ok = abs(loss) < LOSS_LIMIT  # `not <` also catches NaN
        if not loss_ok or not all_finite(params):
            if not loss_ok:
                for net, (params_before, state_before) in self._previous.items():
                    self._set(net, params_before, state_before)
                self._previous.clear()
            self.diverged = (
                f"the {which}'s update blew up (NaN, inf or huge values) at iteration {self.iteration} "
                "(learning rate too high?); the last good state is kept"
            )
            raise Diverged(self.diverged)
        self._previous[which] = (self.d_params, self.d_state) if which == "discriminator" else (self.g_params, self.g_state)
        self._set(which, params, state)

    def _set(self, which: str, params: Params, state: optim.OptState) -> None:
        if which == "discriminator":
            self.d_params, self.d_state = params, state
        else:
            self.g_params, self.g_state = params, state

    def _check_not_diverged(self) -> None:
        if self.diverged:
            raise Diverged(self.diverged)

    # -- evaluation helpers used by the probes --------------------------------------------
    def latent(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """G's input for noise z: z itself, or with the class or code appended (cgan, infogan;
        `labels` None: every class in turn)."""
        return z if self.runtime is None else self.runtime.latent(z, labels)

    @torch.no_grad()
    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.settings.generator(self.g_params, self.latent(z, labels).to(self.device))

    def _sigmas(self) -> Params | None:
        return spectral_sigmas(self.d_params, self.sn_u, self.settings.regs.minibatch) if self.sn_u is not None else None

    def _reference(self) -> torch.Tensor | None:
        return self.generate(self.reference_z) if self.settings.regs.minibatch else None

    @torch.no_grad()
    def discriminator_logit(self, x: torch.Tensor) -> torch.Tensor:
        """The second network's raw output at x: D's logit or the critic's score."""
        if self.runtime is not None:
            return self.runtime.logit(self, x.to(self.device))
        return self.settings.discriminator(self.d_params, x.to(self.device), self._sigmas(), self._reference())

    @torch.no_grad()
    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """What is drawn as D: a probability for probability objectives, else the score."""
        out = self.discriminator_logit(x)
        return torch.sigmoid(out) if self.objective.output == "probability" else out

    def generator_push(self, x_fake: torch.Tensor, x_real: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """−∇ₓ of the generator's loss at each fake sample, as if they were one batch (times
        the batch size, undoing the mean): the way a G update moves each point. `labels`: the
        classes the fakes were drawn for (cgan)."""
        if self.runtime is not None:
            return self.runtime.push(self, x_fake.to(self.device), labels, x_real.to(self.device))
        x = x_fake.detach().clone().to(self.device).requires_grad_(True)
        with torch.enable_grad():
            loss, _ = generator_loss(self.d_params, x, x_real.to(self.device), self.settings, self._sigmas())
            (grad,) = torch.autograd.grad(loss * len(x), x)
        return -grad
