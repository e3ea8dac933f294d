"""SGD (with momentum), Adam and RMSProp as pure functions: (params, grads, state) -> (params, state).
Optimizer state is a tuple of plain tensors, so a whole training step is a function of
tensors in and tensors out."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from gan_core.networks import Params


@dataclass(frozen=True)
class OptimizerSettings:
    name: str
    lr: float
    momentum: float
    beta1: float
    beta2: float
    eps: float = 1e-8


OptState = tuple[torch.Tensor, ...]


def init_state(params: Params) -> OptState:
    """A step counter followed by first and second moment buffers (the second unused by SGD)."""
    zeros = tuple(torch.zeros_like(p) for p in params)
    # float64 counter: the bias corrections 1 − β^t then match torch.optim to the last digit
    return (torch.zeros((), dtype=torch.float64, device=params[0].device),) + zeros + tuple(torch.zeros_like(p) for p in params)


@torch.no_grad()
def update(
    params: Params, grads: Params, state: OptState, s: OptimizerSettings, lr_scale: float = 1.0
) -> tuple[Params, OptState]:
    """One step; `lr_scale` multiplies the learning rate (the lab's decay schedule)."""
    n = len(params)
    lr = s.lr * lr_scale
    step = state[0] + 1
    m, v = state[1 : 1 + n], state[1 + n :]
    if s.name == "sgd":
        new_m = tuple(s.momentum * mi + g for mi, g in zip(m, grads))
        new_p = tuple(p - lr * mi for p, mi in zip(params, new_m))
        return new_p, (step,) + new_m + v
    if s.name == "rmsprop":  # torch.optim.RMSprop without momentum; α is beta2
        new_v = tuple(s.beta2 * vi + (1 - s.beta2) * g * g for vi, g in zip(v, grads))
        new_p = tuple(p - lr * g / (vi.sqrt() + s.eps) for p, g, vi in zip(params, grads, new_v))
        return new_p, (step,) + m + new_v
    new_m = tuple(s.beta1 * mi + (1 - s.beta1) * g for mi, g in zip(m, grads))
    new_v = tuple(s.beta2 * vi + (1 - s.beta2) * g * g for vi, g in zip(v, grads))
    c1 = 1 - s.beta1**step
    c2 = 1 - s.beta2**step
    new_p = tuple(
        p - lr * (mi / c1) / ((vi / c2).sqrt() + s.eps) for p, mi, vi in zip(params, new_m, new_v)
    )
    return new_p, (step,) + new_m + new_v
