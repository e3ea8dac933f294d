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


# -- the discriminator / critic ------------------------------------------------------------
# D is an MLP whose last hidden layer h is its "features" (feature matching reads them). With
# minibatch discrimination (Salimans et al. 2016) the parameters are
#   (W0, b0, ..., W_{L-1}, b_{L-1}, T, W_out, b_out)
# and D's output layer sees [h, o(h)], where o_b(x_i) = mean_j exp(−‖M_i,b − M_j,b‖₁) with
# M = h·T reshaped to (B kernels × C dims) and j running over a reference batch (the batch x_i
# came in, or the current fakes when the page probes single points).


def init_discriminator(sizes: list[int], gen: torch.Generator, minibatch: tuple[int, int] | None) -> Params:
    """Default init; plain D uses exactly init_mlp's random stream."""
    if minibatch is None:
        return init_mlp(sizes, gen)
    kernels, dims = minibatch
    hidden = init_mlp(sizes[:-1], gen) if len(sizes) > 2 else ()
    h = sizes[-2]
    t = torch.randn(h, kernels * dims, generator=gen) * 0.1
    return hidden + (t,) + init_mlp([h + kernels, sizes[-1]], gen)


def weight_indices(params: Params, minibatch: bool) -> list[int]:
    """Positions of the linear layers' weight matrices (T excluded)."""
    n_linear = (len(params) - (1 if minibatch else 0)) // 2
    idx = [2 * i for i in range(n_linear - 1)]
    return idx + [len(params) - 2]


@torch.no_grad()
def power_iteration(params: Params, us: Params, minibatch: bool) -> Params:
    """One power-iteration step per weight matrix: u ← W v / ‖W v‖, v = Wᵀu / ‖Wᵀu‖."""
    out = []
    for i, u in zip(weight_indices(params, minibatch), us):
        w = params[i]
        v = F.normalize(w.t() @ u, dim=0, eps=1e-12)
        out.append(F.normalize(w @ v, dim=0, eps=1e-12))
    return tuple(out)


def spectral_sigmas(params: Params, us: Params, minibatch: bool) -> Params:
    """σ(W) ≈ uᵀ W v for the current u (differentiable in W, u held fixed)."""
    sig = []
    for i, u in zip(weight_indices(params, minibatch), us):
        w = params[i]
        v = F.normalize(w.t() @ u, dim=0, eps=1e-12).detach()
        sig.append(u @ (w @ v))
    return tuple(sig)


def init_spectral_vectors(params: Params, minibatch: bool, gen: torch.Generator) -> Params:
    us = tuple(F.normalize(torch.randn(params[i].shape[0], generator=gen), dim=0) for i in weight_indices(params, minibatch))
    for _ in range(100):  # start at the top singular vector; one iteration per step then tracks it
        us = power_iteration(params, us, minibatch)
    return us


def discriminator_features(params: Params, x: torch.Tensor, activation: str, minibatch: bool, sigmas: Params | None = None) -> torch.Tensor:
    """The last hidden layer h (x itself when D has no hidden layer)."""
    act = ACTIVATIONS.get(activation)
    n_hidden = (len(params) - (3 if minibatch else 2)) // 2
    for i in range(n_hidden):
        w = params[2 * i] if sigmas is None else params[2 * i] / sigmas[i]
        x = act(F.linear(x, w, params[2 * i + 1]))
    return x


def minibatch_features(h: torch.Tensor, t: torch.Tensor, kernels: int, reference: torch.Tensor | None = None) -> torch.Tensor:
    """o_b(x_i) = mean_j exp(−‖M_i,b − M_j,b‖₁) over the reference batch (default: h itself)."""
    m = (h @ t).reshape(len(h), kernels, -1)
    ref = m if reference is None else (reference @ t).reshape(len(reference), kernels, -1)
    l1 = (m[:, None] - ref[None]).abs().sum(-1)  # (N, R, B)
    return torch.exp(-l1).mean(1)


def discriminator_head(params: Params, h: torch.Tensor, minibatch: bool, sigmas: Params | None = None, reference: torch.Tensor | None = None) -> torch.Tensor:
    """D's output (logit or score) from its features."""
    if minibatch:
        t = params[-3]
        kernels = params[-2].shape[1] - h.shape[1]
        h = torch.cat([h, minibatch_features(h, t, kernels, reference)], 1)
    w = params[-2] if sigmas is None else params[-2] / sigmas[-1]
    return F.linear(h, w, params[-1])
