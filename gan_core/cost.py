"""What an iteration (and a frame's probes) of a configuration costs, in multiply-adds.

Every field of LabConfig has a sensible range, but their product does not: batch 4096 ×
width 512 × 6 layers × 50 + 50 steps is one iteration of ~6 minutes on a laptop core, during
which nobody can pause. A server refuses configurations whose cost, at the speed this machine
measured, would take longer than its budget (about a second)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from gan_core.config import LabConfig

# Noise quantiles / grid points a frame pushes through G and D (probes.py: 20,000 quantiles
# in 1-D; probes2d.py: a 141² noise grid and the heatmap), rounded up.
PROBE_POINTS = 25_000


# Pairwise terms are memory-bound (exp and b² × features tensors), far above their MACs:
# multiply-add equivalents per pair, measured against real steps on a 2-core Xeon
# (MMD at batch 4096: 10.1 s per iteration; minibatch discrimination at batch 2048: 5.4 s).
MMD_PAIR = 4000
MBD_PAIR_D = 1500
MBD_PAIR_G = 1000


def mlp_macs(sizes: list[int]) -> int:
    """Multiply-adds of one sample through an MLP with these layer sizes."""
    return sum(a * b for a, b in zip(sizes, sizes[1:]))


def _sizes(inputs: int, layers: int, width: int, outputs: int) -> list[int]:
    return [inputs, *([width] * layers), outputs]


@dataclass(frozen=True)
class Cost:
    iteration: float  # multiply-adds of one training iteration (k D steps + g G steps)
    probe: float  # multiply-adds of one frame's probes

    @property
    def worst(self) -> float:
        return max(self.iteration, self.probe)


def config_cost(config: LabConfig, dim: int = 2) -> Cost:
    """A forward pass costs its MACs, a backward pass twice that. A D step runs G once and D
    on real and fake (forward + backward: 6 D passes), a penalty (GP, R1) doubles D's share
    (double backward); a G step runs G and D forward and back (3 passes each). MMD compares
    every pair of the batch; minibatch discrimination every pair of B×C features."""
    b = config.batch_size
    g = mlp_macs(_sizes(config.noise_dim, config.g_layers, config.g_width, dim))
    d = mlp_macs(_sizes(dim, config.d_layers, config.d_width, 1))
    regs = set(config.regularizers)
    penalty = 2.0 if ("gradient-penalty-r1" in regs or config.objective == "wasserstein-gp") else 1.0
    d_pairs = g_pairs = 0.0
    if "minibatch-discrimination" in regs:
        d += config.d_width * config.mbd_kernels * config.mbd_kernel_dims
        features = config.mbd_kernels * config.mbd_kernel_dims
        d_pairs, g_pairs = MBD_PAIR_D * b * b * features, MBD_PAIR_G * b * b * features
    d_step = b * (g + 6 * d * penalty) + d_pairs
    g_step = 3 * b * (g + d) + g_pairs
    if config.objective == "mmd":
        d_step = 0.0
        g_step = 3 * b * g + MMD_PAIR * (2 * b) ** 2
    iteration = config.d_steps * d_step + config.g_steps * g_step
    return Cost(iteration=float(iteration), probe=float(PROBE_POINTS * (g + d)))


CALIBRATION = LabConfig(
    distribution="gaussian", batch_size=1024, g_layers=3, g_width=256, d_layers=3, d_width=256, d_steps=1, g_steps=1, lr_halflife=0
)


def measure_rate(iterations: int = 3, config: LabConfig = CALIBRATION) -> float:
    """Multiply-adds per second this machine (this thread) does on a real training step of
    a mid-sized model: fast enough to run when a server starts (~0.1–0.5 s)."""
    from gan_core.trainer import Trainer  # the trainer imports torch's heavy parts

    trainer = Trainer(config)
    trainer.step("iteration", 1)  # warm-up: allocations, first-call overheads
    start = time.perf_counter()
    trainer.step("iteration", iterations)
    seconds = max(time.perf_counter() - start, 1e-6)
    return config_cost(config, trainer.p_data.dim).iteration * iterations / seconds


def cost_problem(config: LabConfig, limit: float, dim: int, budget_seconds: float) -> str | None:
    """A message for a configuration over the limit (None when it fits)."""
    cost = config_cost(config, dim)
    if cost.worst <= limit:
        return None
    seconds = budget_seconds * cost.worst / limit
    what = "one training iteration" if cost.iteration >= cost.probe else "drawing one frame"
    return (
        f"this configuration is too heavy for this server: {what} would take about {seconds:.1f} s "
        f"(the limit is {budget_seconds:g} s, so Pause and Reset stay responsive). "
        "Lower the batch size, the networks' width or layers, or k / G steps."
    )
