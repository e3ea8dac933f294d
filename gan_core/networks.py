"""Generator and discriminator as functional MLPs: parameters are a plain tuple of tensors
(W0, b0, W1, b1, ...) and the forward pass is a pure function of them, so a training step
can take and return parameters (and later be vmapped over many sessions)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from gan_core.registry import Registry

Params = tuple[torch.Tensor, ...]

ACTIVATIONS: Registry[Callable[[torch.Tensor], torch.Tensor]] = Registry("activation")
ACTIVATIONS.register("relu", torch.relu)
ACTIVATIONS.register("leaky_relu", lambda x: F.leaky_relu(x, 0.2))
ACTIVATIONS.register("elu", F.elu)
ACTIVATIONS.register("tanh", torch.tanh)
ACTIVATIONS.register("sigmoid", torch.sigmoid)


def init_mlp(sizes: list[int], gen: torch.Generator) -> Params:
    """PyTorch's default Linear initialisation, U(±1/sqrt(fan_in)), from a seeded generator."""
    params: list[torch.Tensor] = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        params.append((torch.rand(fan_out, fan_in, generator=gen) * 2 - 1) * bound)
        params.append((torch.rand(fan_out, generator=gen) * 2 - 1) * bound)
    return tuple(params)


def mlp(params: Params, x: torch.Tensor, activation: str) -> torch.Tensor:
    """Hidden layers use `activation`; the last layer is linear (G's output, D's logit)."""
    act = ACTIVATIONS.get(activation)
    n = len(params) // 2
    for i in range(n):
        x = F.linear(x, params[2 * i], params[2 * i + 1])
        if i < n - 1:
            x = act(x)
    return x


def layer_sizes(n_in: int, hidden_layers: int, width: int, n_out: int) -> list[int]:
    return [n_in] + [width] * hidden_layers + [n_out]


PARAM_LIMIT = 1e6


def all_finite(params: Params, limit: float = PARAM_LIMIT) -> bool:
    """No NaN/inf and no weight beyond `limit`: a weight that large means training blew up
    even before it overflows, and the picture it draws is meaningless."""
    return bool(torch.stack([p.abs().max() for p in params]).max() < limit)
