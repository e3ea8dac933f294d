"""Algorithm 1 for S sessions of one shape at once: every parameter, optimizer buffer and batch
gets a leading session dimension, linear layers become batched matrix products (baddbmm), and
one update of all S networks is a single computation. Each session keeps its own parameters,
optimizer state, learning rate (with its half-life), data, prior and seeded generator: it
draws its batches from its own generator in the order a lone run does, losses are per-session
means, and the gradient of their sum is each session's own gradient. A lone session runs the
same code with S = 1, so a session gives exactly what it gives alone (bit for bit on CPU:
tests/test_batched.py). Divergence is a per-session mask: the sessions that blew up get their
last good state back and are reported; the rest keep theirs.

What cannot be stacked (spectral norm, minibatch discrimination, feature matching, historical
averaging, MMD) is stepped by gan_core.trainer's per-session functions; `batch_key` is None
for those configurations."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from gan_core.networks import ACTIVATIONS, PARAM_LIMIT, Params
from gan_core.optim import OptimizerSettings
from gan_core.regularizers import gradient_penalty, r1_penalty

if TYPE_CHECKING:
    from gan_core.trainer import Trainer

LOSS_LIMIT = 1e5  # as gan_core.trainer: a loss this large means the logits exploded
NET_NAMES = {"d": "discriminator", "g": "generator"}
STACKABLE_REGULARIZERS = {"gradient-penalty-r1", "one-sided-label-smoothing", "instance-noise"}


def stackable(trainer: Trainer) -> bool:
    """Whether this configuration runs as a stack (see the module's docstring)."""
    c = trainer.config
    if c.model != "gan":  # conditional, InfoGAN and semi-supervised models step alone
        return False
    return trainer.settings.objective.network != "none" and not set(c.regularizers) - STACKABLE_REGULARIZERS


def batch_key(trainer: Trainer) -> tuple | None:
    """Sessions with equal keys can be stepped as one computation (None: never stacked). The
    key holds everything that shapes the computation or is a constant in it; learning rates,
    half-lives, seeds, data and priors may differ between the sessions of one group."""
    c, s = trainer.config, trainer.settings
    if not trainer.stackable:
        return None
    shapes = tuple(tuple(p.shape) for p in trainer.g_params) + tuple(tuple(p.shape) for p in trainer.d_params)
    return (
        shapes, c.g_activation, c.d_activation, c.objective, tuple(sorted(c.regularizers)),
        c.optimizer, c.beta1, c.beta2, c.momentum, c.clip_value, c.gp_weight, c.r1_gamma,
        s.real_target, c.batch_size, c.d_steps, c.g_steps, str(trainer.device), trainer.phase,
    )  # fmt: skip


def layer_kind(shape: Sequence[int]) -> str:
    """How a weight of shape (out, in) is stored and applied when stacked: "mul" (in = 1, stored as
    W^T, (S, 1, out)), "dot" (out = 1, stored as W, (S, 1, in)) or "mm" (W^T, (S, in, out),
    baddbmm). A product with a dimension of 1 is written elementwise because bmm takes a
    matrix-vector kernel for one session and a batched one for several, which round
    differently, and a session should give the same bits alone and in a stack."""
    out, n_in = shape
    return "mul" if n_in == 1 else "dot" if out == 1 else "mm"


def stacked_linear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, kind: str) -> torch.Tensor:
    """x W^T + b per session: x (S, m, in), b (S, 1, out), w stored as `layer_kind` says."""
    if kind == "mm":
        return torch.baddbmm(b, x, w)
    if kind == "mul":
        return torch.addcmul(b, x, w)
    return (x * w).sum(-1, keepdim=True) + b


def stacked_mlp(params: Sequence[torch.Tensor], x: torch.Tensor, activation: str, kinds: Sequence[str]) -> torch.Tensor:
    """gan_core.networks.mlp over a session dimension."""
    act = ACTIVATIONS.get(activation)
    n = len(params) // 2
    for i in range(n):
        x = stacked_linear(x, params[2 * i], params[2 * i + 1], kinds[i])
        if i < n - 1:
            x = act(x)
    return x


def _stored(p: torch.Tensor) -> torch.Tensor:
    """One session's tensor in its stacked layout (a view): weights per `layer_kind`,
    biases (1, out)."""
    if p.dim() == 1:
        return p.view(1, -1)
    return p if layer_kind(p.shape) == "dot" else p.t()


def _stack(per_session: Sequence[Params]) -> list[torch.Tensor]:
    """Stack S tuples of weights and biases in their stacked layouts; with S = 1 only views."""
    if len(per_session) == 1:
        return [_stored(p).unsqueeze(0) for p in per_session[0]]
    return [torch.stack([_stored(p) for p in ps]) for ps in zip(*per_session)]


def _stack_batch(items: list[torch.Tensor]) -> torch.Tensor:
    return items[0].unsqueeze(0) if len(items) == 1 else torch.stack(items)


@dataclass
class Inputs:
    """One update's random inputs for every session, stacked (see trainer.Batch)."""

    z: torch.Tensor
    x_real: torch.Tensor | None
    eps: torch.Tensor | None
    noise_real: torch.Tensor | None
    noise_fake: torch.Tensor | None


@dataclass
class _Net:
    """One network's stacked parameters and optimizer state (step counters, m, v). Tensors
    are never changed in place, so keeping an old _Net keeps that state."""

    params: list[torch.Tensor]
    step: list[int]  # updates so far, per session (Adam's bias correction reads it)
    m: list[torch.Tensor]
    v: list[torch.Tensor]
    shapes: list[tuple[int, ...]]  # one session's shapes, to give each session its tensors back

    @classmethod
    def stack(cls, params: Sequence[Params], states: Sequence[tuple[torch.Tensor, ...]]) -> _Net:
        n = len(params[0])
        return cls(
            params=[p.detach().requires_grad_() for p in _stack(params)],
            step=[int(st[0]) for st in states],
            m=_stack([st[1 : 1 + n] for st in states]),
            v=_stack([st[1 + n :] for st in states]),
            shapes=[tuple(p.shape) for p in params[0]],
        )

    def unstack(self, s: int) -> tuple[Params, tuple[torch.Tensor, ...]]:
        def pick(ts: Sequence[torch.Tensor]) -> Params:
            out = []
            for t, shape in zip(ts, self.shapes):
                x = t.detach()[s]
                out.append(x[0] if len(shape) == 1 else x if layer_kind(shape) == "dot" else x.t())
            return tuple(out)

        step = torch.tensor(float(self.step[s]), dtype=torch.float64, device=self.params[0].device)
        return pick(self.params), (step,) + pick(self.m) + pick(self.v)

    def where(self, mask: torch.Tensor, other: _Net) -> _Net:
        """Per session: this state where mask is True, else `other`'s."""
        m3 = mask.view(-1, 1, 1)

        def mix(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> list[torch.Tensor]:
            return [torch.where(m3, x.detach(), y.detach()) for x, y in zip(a, b)]

        params = [p.requires_grad_() for p in mix(self.params, other.params)]
        step = [a if keep else b for a, b, keep in zip(self.step, other.step, mask.tolist())]
        return _Net(params, step, mix(self.m, other.m), mix(self.v, other.v), self.shapes)


class Stack:
    """S trainers stepped together: build it, `run` (or `update`), then `write_back()`. The
    trainers' counters and generators advance as the stack runs; their networks only at
    write-back.

    Sanity is checked once per iteration (once per update for single updates), over every
    session at once; only when that check fails are the sessions told apart. A session whose
    weights went non-finite or huge gets back its state from the start of that iteration; one
    whose loss exploded gets back the state from the start of the iteration before (the
    explosion is measured on parameters the earlier updates produced, as in Trainer._commit)."""

    def __init__(self, trainers: Sequence[Trainer]) -> None:
        self.trainers = list(trainers)
        t0 = self.trainers[0]
        self.s = t0.settings
        self.c = t0.config
        self.g = _Net.stack([t.g_params for t in self.trainers], [t.g_state for t in self.trainers])
        self.d = _Net.stack([t.d_params for t in self.trainers], [t.d_state for t in self.trainers])
        self.g_kinds = [layer_kind(sh) for sh in self.g.shapes[::2]]
        self.d_kinds = [layer_kind(sh) for sh in self.d.shapes[::2]]
        self.phase = t0.phase
        self.plan = "d" * self.c.d_steps + "g" * self.c.g_steps
        self.updates = {"d": [0] * len(self.trainers), "g": [0] * len(self.trainers)}
        self.diverged: dict[int, str] = {}
        self.should_stop: Callable[[], bool] = _never
        # the latest update's outputs, turned into statistics only at write-back
        self.d_last: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None  # loss, D(real), D(fake)
        self.g_last: tuple[torch.Tensor, torch.Tensor, Sequence[torch.Tensor]] | None = None  # loss, D(fake), ∇θ
        # checkpoints (d, g) at the start of this check unit and of the one before
        self._unit_start = (self.d, self.g)
        self._unit_before: tuple[_Net, _Net] | None = None  # None: the trainers' own restore points
        self._unit_losses: list[torch.Tensor] = []
        self._unit_updates = {"d": 0, "g": 0}
        self._scalar_cache: dict[tuple[float, ...], torch.Tensor] = {}
        self._n_params = 0
        p0 = self.d.params[0]
        self._ones = torch.ones(len(self.trainers), dtype=p0.dtype, device=p0.device)
        self._limits: dict[int, torch.Tensor] = {}

    # -- driving ------------------------------------------------------------------------------
    def run(self, iterations: int) -> int:
        """Up to `iterations` iterations, resuming mid-iteration at the stack's phase. Stops
        between two updates when `should_stop()` says so, and after an iteration in which a
        session diverged. Returns the iterations completed by the sessions still sane."""
        done = 0
        while done < iterations:
            while self.phase < len(self.plan):
                if self.should_stop():
                    self.check()
                    return done
                self._update(self.plan[self.phase])
                self.phase += 1
            self.phase = 0
            for t in self.trainers:
                t.iteration += 1
            done += 1
            if not self.check(iteration_done=True):
                return done
        return done

    def update(self, which: str) -> bool:
        """One update of every session's discriminator ("d") or generator ("g"), checked.
        False when a session diverged."""
        self._update(which)
        return self.check()

    def _update(self, which: str) -> None:
        if which == "d":
            self.update_discriminator()
        else:
            self.update_generator()
        self._unit_updates[which] += 1

    # -- the inputs each session draws from its own generator, in a lone run's order ----------
    def _draws(self, discriminator: bool, needs_real: bool, eps: bool) -> Inputs:
        xs, zs, es, nr, nf = [], [], [], [], []
        for t in self.trainers:
            if discriminator:  # Trainer.step_discriminator's order: x_real, z, then the extras
                x, z = t._real(), t._noise()
            else:  # Trainer.step_generator's: z, x_real when the loss needs it, the extras
                z = t._noise()
                x = t._real() if needs_real else None
            zs.append(z)
            if x is not None:
                xs.append(x)
            if eps or t.instance_noise_std > 0:
                b = t._batch(x, z, eps)
                if b.eps is not None:
                    es.append(b.eps)
                if b.noise_real is not None and b.noise_fake is not None:
                    nr.append(b.noise_real)
                    nf.append(b.noise_fake)
        return Inputs(
            z=_stack_batch(zs),
            x_real=_stack_batch(xs) if xs else None,
            eps=_stack_batch(es) if es else None,
            noise_real=_stack_batch(nr) if nr else None,
            noise_fake=_stack_batch(nf) if nf else None,
        )

    def _lrs(self, which: str) -> list[float]:
        return [(t.config.lr_d if which == "d" else t.config.lr_g) * t.lr_scale for t in self.trainers]

    # -- updates ------------------------------------------------------------------------------
    def update_discriminator(self) -> None:
        s, m = self.s, self.c.batch_size
        gp = s.objective.gradient_penalty and s.gp_weight > 0
        b = self._draws(True, True, gp)
        assert b.x_real is not None
        with torch.no_grad():
            x_fake = stacked_mlp(self.g.params, b.z, s.g_activation, self.g_kinds)
        x_real = b.x_real
        if b.noise_real is not None and b.noise_fake is not None:
            x_real, x_fake = x_real + b.noise_real, x_fake + b.noise_fake
        if s.regs.r1:
            x_real = x_real.detach().requires_grad_()
        out = stacked_mlp(self.d.params, torch.cat([x_real, x_fake], 1), s.d_activation, self.d_kinds)  # one pass over both
        real_out, fake_out = out.split(m, 1)
        loss = s.objective.d_loss(real_out, fake_out, s.real_target)  # type: ignore[misc]
        if gp:
            assert b.eps is not None
            x_hat = (b.eps * x_real.detach() + (1 - b.eps) * x_fake).requires_grad_()
            critic = stacked_mlp(self.d.params, x_hat, s.d_activation, self.d_kinds)
            (grad,) = torch.autograd.grad(critic.sum(), x_hat, create_graph=True)
            loss = loss + s.gp_weight * gradient_penalty(grad)
        if s.regs.r1 and s.r1_gamma > 0:
            (grad,) = torch.autograd.grad(real_out.sum(), x_real, create_graph=True)
            loss = loss + 0.5 * s.r1_gamma * r1_penalty(grad)
        grads = torch.autograd.grad(loss, self.d.params, self._ones)  # = ∇ of the sum of the sessions' losses
        with torch.no_grad():
            new = self._optimize(self.d, grads, s.d_opt, self._lrs("d"))
            if s.objective.clip_weights:
                new.params = list(torch._foreach_clamp_max(torch._foreach_clamp_min(new.params, -s.clip_value), s.clip_value))
        for p in new.params:
            p.requires_grad_()
        loss = loss.detach()
        self.d, self.d_last = new, (loss, real_out, fake_out)
        self._unit_losses.append(loss)

    def update_generator(self) -> None:
        s = self.s
        needs_real = s.objective.g_needs_real
        b = self._draws(False, needs_real, False)
        x_fake = stacked_mlp(self.g.params, b.z, s.g_activation, self.g_kinds)
        x_real = b.x_real
        if b.noise_fake is not None:
            x_fake = x_fake + b.noise_fake
            if x_real is not None and b.noise_real is not None:
                x_real = x_real + b.noise_real
        fake_out = stacked_mlp(self.d.params, x_fake, s.d_activation, self.d_kinds)  # grads below: G's only
        real_out = None
        if needs_real:
            assert x_real is not None
            with torch.no_grad():
                real_out = stacked_mlp(self.d.params, x_real, s.d_activation, self.d_kinds)
        loss = s.objective.g_loss(fake_out, real_out)  # type: ignore[misc,arg-type]
        grads = torch.autograd.grad(loss, self.g.params, self._ones)
        with torch.no_grad():
            new = self._optimize(self.g, grads, s.g_opt, self._lrs("g"))
        for p in new.params:
            p.requires_grad_()
        loss = loss.detach()
        self.g, self.g_last = new, (loss, fake_out, grads)
        self._unit_losses.append(loss)

    def _mean_output(self, out: torch.Tensor) -> torch.Tensor:
        return (torch.sigmoid(out) if self.s.objective.output == "probability" else out).mean((-2, -1))

    def _per_session(self, values: list[float], like: torch.Tensor) -> float | list[torch.Tensor]:
        """Per-session scalars for a foreach op: one float when all sessions share it (every
        lone session), else a list holding one (S, 1, 1) tensor per parameter. Both round the
        value to float32 first, so the two forms give the same bits."""
        if len(set(values)) == 1:
            return float(np.float32(values[0])) if like.dtype == torch.float32 else values[0]
        key = tuple(values)
        if key not in self._scalar_cache:
            if len(self._scalar_cache) > 8:  # rates and bias corrections change as training goes
                self._scalar_cache.clear()
            self._scalar_cache[key] = torch.tensor(values, dtype=like.dtype, device=like.device).view(-1, 1, 1)
        return [self._scalar_cache[key]] * self._n_params

    def _optimize(self, net: _Net, grads: Sequence[torch.Tensor], o: OptimizerSettings, lrs: list[float]) -> _Net:
        """SGD (momentum), Adam or RMSProp for every session at once, as torch.optim writes
        them (lerp, addcmul, sqrt / bias correction + eps), with per-session learning rates
        and step counts. The same foreach ops whether the scalars are shared or not."""
        p0 = net.params[0]
        self._n_params = len(net.params)
        step = [t + 1 for t in net.step]
        g = list(grads)
        if o.name == "sgd":
            m = g if o.momentum == 0 else torch._foreach_add(torch._foreach_mul(net.m, o.momentum), g)
            delta = torch._foreach_mul(m, self._per_session(lrs, p0))
            return _Net(list(torch._foreach_sub(net.params, delta)), step, list(m), net.v, net.shapes)
        v = torch._foreach_mul(net.v, o.beta2)
        torch._foreach_addcmul_(v, g, g, 1 - o.beta2)
        denom = torch._foreach_sqrt(v)
        if o.name == "rmsprop":  # torch.optim.RMSprop without momentum; α is beta2
            torch._foreach_add_(denom, o.eps)
            delta = torch._foreach_div(g, denom)
            torch._foreach_mul_(delta, self._per_session(lrs, p0))
            return _Net(list(torch._foreach_sub(net.params, delta)), step, net.m, list(v), net.shapes)
        m = torch._foreach_lerp(net.m, g, 1 - o.beta1)
        step_size = [lr / (1 - o.beta1**t) for lr, t in zip(lrs, step)]
        correction = [math.sqrt(1 - o.beta2**t) for t in step]
        torch._foreach_div_(denom, self._per_session(correction, p0))
        torch._foreach_add_(denom, o.eps)
        delta = torch._foreach_div(m, denom)
        torch._foreach_mul_(delta, self._per_session(step_size, p0))
        return _Net(list(torch._foreach_sub(net.params, delta)), step, list(m), list(v), net.shapes)

    # -- divergence as a mask ---------------------------------------------------------------
    def check(self, iteration_done: bool = False) -> bool:
        """End a check unit: True when every session is sane. Otherwise the sessions that are
        not get a good state back (see the class docstring) and a message in `diverged`."""
        if not self._unit_losses:
            return True
        tensors = [*self.d.params, *self.g.params, *self._unit_losses]
        n = len(self._unit_losses)
        if n not in self._limits:
            limits = [PARAM_LIMIT] * (len(self.d.params) + len(self.g.params)) + [LOSS_LIMIT] * n
            self._limits[n] = torch.tensor(limits, dtype=self.d.params[0].dtype, device=self.d.params[0].device)
        norms = torch.stack(torch._foreach_norm(tensors, float("inf")))
        sane = bool((norms < self._limits[n]).all())  # NaN compares False
        if sane:
            for which, n in self._unit_updates.items():
                self.updates[which] = [u + n for u in self.updates[which]]
        else:
            self._restore_insane(iteration_done)
        self._unit_before, self._unit_start = self._unit_start, (self.d, self.g)
        self._unit_losses, self._unit_updates = [], {"d": 0, "g": 0}
        return sane

    def _restore_insane(self, iteration_done: bool) -> None:
        with torch.no_grad():
            biggest = torch.stack([p.detach().abs().amax((1, 2)) for p in [*self.d.params, *self.g.params]]).amax(0)
            worst_loss = torch.stack(self._unit_losses).abs().amax(0)
        loss_ok = worst_loss < LOSS_LIMIT
        ok = loss_ok & (biggest < PARAM_LIMIT)
        # where the loss exploded: the start of the unit before; where only weights went bad: this unit's start
        before = self._unit_before or self._trainers_restore_points()
        d_back = self._unit_start[0].where(loss_ok, before[0])
        g_back = self._unit_start[1].where(loss_ok, before[1])
        self.d, self.g = self.d.where(ok, d_back), self.g.where(ok, g_back)
        for s, (good, loss_good) in enumerate(zip(ok.tolist(), loss_ok.tolist())):
            t = self.trainers[s]
            if good:
                for which, n in self._unit_updates.items():
                    self.updates[which][s] += n
                continue
            if iteration_done:  # the unit was a whole iteration, already counted
                t.iteration -= 1
            what = "the losses" if not loss_good else "the weights"
            self.diverged[s] = (
                f"{what} blew up (NaN, inf or huge values) at iteration {t.iteration} "
                "(learning rate too high?); the last good state is kept"
            )

    def _trainers_restore_points(self) -> tuple[_Net, _Net]:
        """The state before the trainers' latest updates, from before this stack (Trainer._previous)."""
        nets = []
        for name, current in (("discriminator", lambda t: (t.d_params, t.d_state)), ("generator", lambda t: (t.g_params, t.g_state))):
            pairs = [t._previous.get(name, current(t)) for t in self.trainers]
            nets.append(_Net.stack([p for p, _ in pairs], [st for _, st in pairs]))
        return nets[0], nets[1]

    # -- back into the trainers ---------------------------------------------------------------
    def write_back(self) -> None:
        """Each trainer gets its networks, optimizer state, phase, update counts, latest
        losses and, when it diverged, its message (it then holds its last good state)."""
        d_stats = g_stats = None
        with torch.no_grad():
            if self.d_last is not None:
                loss, real_out, fake_out = self.d_last
                d_stats = torch.stack([loss, self._mean_output(real_out), self._mean_output(fake_out)], 1).tolist()
            if self.g_last is not None:
                loss, fake_out, grads = self.g_last
                # ‖∇θ loss_g‖ one session at a time: a reduction over the stack could round differently
                norm = torch.stack([torch.stack(torch._foreach_norm([g[s] for g in grads])).norm() for s in range(len(self.trainers))])
                g_stats = torch.stack([loss, self._mean_output(fake_out), norm], 1).tolist()
        for s, t in enumerate(self.trainers):
            t.d_params, t.d_state = self.d.unstack(s)
            t.g_params, t.g_state = self.g.unstack(s)
            t.d_updates += self.updates["d"][s]
            t.g_updates += self.updates["g"][s]
            t.phase = self.phase
            if self._unit_before is not None:  # where a later explosion rewinds to (see Trainer._commit)
                t._previous = {"discriminator": self._unit_before[0].unstack(s), "generator": self._unit_before[1].unstack(s)}
            if s in self.diverged:
                t.diverged = self.diverged[s]
                t.phase = 0
                continue
            if d_stats is not None and self.updates["d"][s]:
                loss, real, fake = d_stats[s]
                t.last.update(loss_d=loss, d_real=real, d_fake=fake)
            if g_stats is not None and self.updates["g"][s]:
                loss, _, norm = g_stats[s]
                t.last.update(loss_g=loss, g_grad_norm=norm)


def _never() -> bool:
    return False
