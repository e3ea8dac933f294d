"""A plain PyTorch GAN loop (nn.Module + torch.optim): a baseline the lab's training step is compared
with (bench/bench_step.py). Same networks (the lab's initial weights copied into nn.Linear),
same batch, k, G steps, optimizer settings (Adam or SGD with momentum), data and noise
samplers; the non-saturating objective, with R1 when the preset has it, and nothing else (no
divergence checks, no statistics read back per update)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_core.networks import ACTIVATIONS, mlp
from gan_core.trainer import Trainer


class _Activation(nn.Module):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.fn = ACTIVATIONS.get(name)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


def _copy_mlp(params: tuple[torch.Tensor, ...], activation: str) -> nn.Sequential:
    layers: list[nn.Module] = []
    n = len(params) // 2
    for i in range(n):
        w, b = params[2 * i], params[2 * i + 1]
        linear = nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(w)
            linear.bias.copy_(b)
        layers.append(linear)
        if i < n - 1:
            layers.append(_Activation(activation))
    return nn.Sequential(*layers)


def comparable(trainer: Trainer) -> str | None:
    """Why this configuration has no bare-loop twin (None: it has one)."""
    c = trainer.config
    if c.objective != "non-saturating" or set(c.regularizers) - {"gradient-penalty-r1"} or c.optimizer == "rmsprop":
        return "the bare loop implements only the non-saturating objective with Adam or SGD, and R1 as its only regulariser"
    return None


class BareLoop:
    def __init__(self, trainer: Trainer) -> None:
        c = trainer.config
        self.config, self.p_data, self.prior = c, trainer.p_data, trainer.prior
        self.gen = torch.Generator().manual_seed(c.seed)
        self.g = _copy_mlp(trainer.g_params, c.g_activation)
        self.d = _copy_mlp(trainer.d_params, c.d_activation)
        if c.optimizer == "adam":
            self.opt_g = torch.optim.Adam(self.g.parameters(), lr=c.lr_g, betas=(c.beta1, c.beta2))
            self.opt_d = torch.optim.Adam(self.d.parameters(), lr=c.lr_d, betas=(c.beta1, c.beta2))
        else:
            self.opt_g = torch.optim.SGD(self.g.parameters(), lr=c.lr_g, momentum=c.momentum)
            self.opt_d = torch.optim.SGD(self.d.parameters(), lr=c.lr_d, momentum=c.momentum)
        self.r1 = c.r1_gamma if "gradient-penalty-r1" in c.regularizers else 0.0

    def step(self, iterations: int) -> None:
        c, m = self.config, self.config.batch_size
        ones, zeros = torch.ones(m, 1), torch.zeros(m, 1)
        for _ in range(iterations):
            for _ in range(c.d_steps):
                x = self.p_data.sample(m, self.gen)
                z = self.prior.sample(m, c.noise_dim, self.gen)
                with torch.no_grad():
                    fake = self.g(z)
                if self.r1:
                    x.requires_grad_(True)
                real_logit = self.d(x)
                loss = F.binary_cross_entropy_with_logits(real_logit, ones) + F.binary_cross_entropy_with_logits(self.d(fake), zeros)
                if self.r1:  # (γ/2) E‖∇ₓD(x_real)‖², through a second backward
                    (grad,) = torch.autograd.grad(real_logit.sum(), x, create_graph=True)
                    loss = loss + self.r1 / 2 * grad.pow(2).sum(1).mean()
                self.opt_d.zero_grad(set_to_none=True)
                loss.backward()
                self.opt_d.step()
            for _ in range(c.g_steps):
                z = self.prior.sample(m, c.noise_dim, self.gen)
                loss = F.binary_cross_entropy_with_logits(self.d(self.g(z)), ones)
                self.opt_g.zero_grad(set_to_none=True)
                loss.backward()
                self.opt_g.step()


class LeanLoop:
    """The leanest loop of the same maths: parameters as plain leaf tensors, F.linear layers,
    torch.autograd.grad, and Adam/SGD written as in-place foreach updates (no nn.Module, no
    torch.optim bookkeeping). Non-saturating objective only (no R1)."""

    def __init__(self, trainer: Trainer) -> None:
        c = self.config = trainer.config
        self.p_data, self.prior = trainer.p_data, trainer.prior
        self.gen = torch.Generator().manual_seed(c.seed)
        self.g = [p.clone().requires_grad_(True) for p in trainer.g_params]
        self.d = [p.clone().requires_grad_(True) for p in trainer.d_params]
        self.state = {id(ps): ([torch.zeros_like(p) for p in ps], [torch.zeros_like(p) for p in ps]) for ps in (self.g, self.d)}
        self.t = {id(self.g): 0, id(self.d): 0}

    @torch.no_grad()
    def _update(self, params: list[torch.Tensor], grads: tuple[torch.Tensor, ...], lr: float) -> None:
        c = self.config
        m, v = self.state[id(params)]
        if c.optimizer == "sgd":
            torch._foreach_mul_(m, c.momentum)
            torch._foreach_add_(m, grads)
            torch._foreach_add_(params, m, alpha=-lr)
            return
        self.t[id(params)] += 1
        t = self.t[id(params)]
        torch._foreach_lerp_(m, grads, 1 - c.beta1)
        torch._foreach_mul_(v, c.beta2)
        torch._foreach_addcmul_(v, grads, grads, 1 - c.beta2)
        step = lr / (1 - c.beta1**t)
        denom = torch._foreach_sqrt(v)
        torch._foreach_div_(denom, (1 - c.beta2**t) ** 0.5)
        torch._foreach_add_(denom, 1e-8)
        torch._foreach_addcdiv_(params, m, denom, -step)

    def step(self, iterations: int) -> None:
        c, m = self.config, self.config.batch_size
        ones, zeros = torch.ones(m, 1), torch.zeros(m, 1)
        for _ in range(iterations):
            for _ in range(c.d_steps):
                x = self.p_data.sample(m, self.gen)
                z = self.prior.sample(m, c.noise_dim, self.gen)
                with torch.no_grad():
                    fake = mlp(self.g, z, c.g_activation)
                logits = mlp(self.d, torch.cat([x, fake]), c.d_activation)
                loss = F.binary_cross_entropy_with_logits(logits, torch.cat([ones, zeros])) * 2
                self._update(self.d, torch.autograd.grad(loss, self.d), c.lr_d)
            for _ in range(c.g_steps):
                z = self.prior.sample(m, c.noise_dim, self.gen)
                logit = mlp(self.d, mlp(self.g, z, c.g_activation), c.d_activation)
                loss = F.binary_cross_entropy_with_logits(logit, ones)
                self._update(self.g, torch.autograd.grad(loss, self.g), c.lr_g)
