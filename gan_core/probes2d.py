"""Probes for 2-D data: what the layered 2-D view draws and the metrics beside it.

- D's decision surface on a HEATMAP_CELLS² grid of cell centres over the view;
- the generator's manifold: G over a grid laid on the first two noise dimensions;
- fixed real and fake dots, and on each fake dot −∇ₓ of the generator's loss (where a G step
  pushes it);
- JS (cell-free: p_data's exact density, p_g's from nearest neighbours among G on ~20,000
  deterministic noise points, see metrics.py), sliced W₁, V(D, G) on fixed samples (probability
  objectives only), and the mode metrics where modes are known.

Cost (bench/bench_frame.py, one thread, 2 shared cores): a frame without metrics is one G
call (dots and mesh together), one D call (heatmap) and one gradient (arrows): ~0.35 ms for
gaussians, ~3 ms for the ring's 3×128 networks. A metrics pass is G on 22,500 points (in
chunks of ~1,000 rows for a 128-wide G, twice as fast as one call), D on 5,000, a k-d tree of
the 20,000 fakes queried at 2,000 of them and one float32 sort per direction; what depends
only on p_data (its density function, the sorted projections of its samples, the mode-centre
layer) is prepared once per probe set: ~11 ms for gaussians, ~27 ms for the ring (2.6× and
2.1× less than one call per metric on unprepared data; most of the ring's is G itself).

A pass is written as parts (`metric_parts`, a generator), so it can run whole or be spread
over frames:
- `metrics_max_age` = 0 (paused, a Step): the frame's metrics are of its own state, computed
  whole unless those are the cached ones (nothing changed since);
- `metrics_max_age` > 0 (playing): frames reuse the latest metrics until they are that old;
  then a pass starts on the state of that moment (it copies the networks, so later parts
  measure that state whatever training does meanwhile) and each frame runs about
  `metrics_slice` seconds of it; when it ends, frames show its numbers. The frame's
  `metrics_iteration` says which iteration they are from. A spread pass gives the same
  numbers as a whole one on the same state (tests/test_probe_cost.py)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from gan_core.distributions2d import GaussianMixture2D
from gan_core.metrics import (
    MODE_SAMPLES,
    GaussianMixturePdf,
    Parts,
    SlicedW1,
    finite_or_none,
    js_divergence_2d_parts,
    mode_metrics,
    run_parts,
)
from gan_core.objectives import VALUE_OPTIMUM, mmd_witness
from gan_core.probes_models import (
    classifier_layers,
    code_walk,
    fake_labels,
    labelled_points,
    model_header,
    model_metrics,
    real_labels,
    shows_mesh,
)
from gan_core.trainer import Trainer

QUADRATURE_POINTS = 20_000
HEATMAP_CELLS = 48
MANIFOLD_LINES = 21
MANIFOLD_LINE_1D = 101  # points on the warped line when the noise has one dimension
DOTS_2D = 300
# Networks run on many points in chunks (forward_chunk): a 3×128 G on 20,000 points in one call
# is ~2× slower than in chunks of ~1,000 (its activations, 10 MB a layer, no longer fit the cache).
# While playing, a pending metrics pass gets about this much of each frame (at least one part).
METRICS_SLICE_SECONDS = 0.003


@dataclass
class ProbeSet2D:
    """Fixed inputs drawn once per reset, so nothing flickers between frames, and what the
    metrics need of p_data, prepared once."""

    centres: torch.Tensor  # heatmap cell centres (HEATMAP_CELLS², 2), row-major from the bottom row
    z_quadrature: torch.Tensor
    real_quadrature: np.ndarray  # as many fixed data samples, float64, for JS and sliced W₁
    z_metric: torch.Tensor  # MODE_SAMPLES noise points for the mode metrics and V
    real_metric: torch.Tensor  # MODE_SAMPLES data points for V
    z_mesh: torch.Tensor
    mesh_shape: tuple[int, int]  # (nu, nv)
    real_dots: torch.Tensor
    fake_z: torch.Tensor
    pdf: Callable[[np.ndarray], np.ndarray]  # p_data's exact density
    sliced: SlicedW1  # sliced W₁ to real_quadrature (its projections sorted once)
    modes: dict | None  # the mode-centre layer
    z_frame: torch.Tensor = field(init=False)  # fake_z then z_mesh: a frame's one G call
    z_metric_quadrature: torch.Tensor = field(init=False)  # z_metric then z_quadrature: a metrics pass's G
    real_dots_flat: np.ndarray = field(init=False)
    cached_metrics: dict | None = None
    cached_at: float = -math.inf  # when the state they measure was current
    cached_state: tuple | None = None  # state_key of that state
    pending: MetricsPass | None = None  # a pass spread over live frames

    def __post_init__(self) -> None:
        self.z_frame = torch.cat([self.fake_z, self.z_mesh])
        self.z_metric_quadrature = torch.cat([self.z_metric, self.z_quadrature])
        self.real_dots_flat = self.real_dots.cpu().numpy().ravel()


def _cell_centres(view: tuple[tuple[float, float], tuple[float, float]], n: int) -> torch.Tensor:
    (x0, x1), (y0, y1) = view
    xc = x0 + (x1 - x0) * (np.arange(n) + 0.5) / n
    yc = y0 + (y1 - y0) * (np.arange(n) + 0.5) / n
    gy, gx = np.meshgrid(yc, xc, indexing="ij")
    return torch.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)


def make_probe_set_2d(trainer: Trainer) -> ProbeSet2D:
    c, p_data, prior = trainer.config, trainer.p_data, trainer.prior
    gen = torch.Generator().manual_seed(c.seed + 7919)
    if c.noise_dim == 1:
        nu, nv = MANIFOLD_LINE_1D, 1
        z_mesh = prior.grid(nu).unsqueeze(1)
    else:
        nu = nv = MANIFOLD_LINES
        g = prior.grid(MANIFOLD_LINES)
        zv, zu = torch.meshgrid(g, g, indexing="ij")  # u (z1) varies fastest
        z_mesh = torch.zeros(nu * nv, c.noise_dim)
        z_mesh[:, 0], z_mesh[:, 1] = zu.ravel(), zv.ravel()
    z_quadrature = prior.quadrature(c.noise_dim, QUADRATURE_POINTS, gen)
    real_quadrature = p_data.sample(len(z_quadrature), torch.Generator().manual_seed(c.seed + 7907)).double().numpy()
    modes = None
    if p_data.modes is not None:
        modes = {"centres": p_data.modes.astype(np.float32).ravel(), "radius": float(3.0 * p_data.mode_std)}
    return ProbeSet2D(
        centres=_cell_centres(p_data.view, HEATMAP_CELLS),
        z_quadrature=z_quadrature,
        real_quadrature=real_quadrature,
        z_metric=prior.sample(MODE_SAMPLES, c.noise_dim, gen),
        real_metric=p_data.sample(MODE_SAMPLES, gen),
        z_mesh=z_mesh,
        mesh_shape=(nu, nv),
        real_dots=p_data.sample(DOTS_2D, gen),
        fake_z=prior.sample(DOTS_2D, c.noise_dim, gen),
        pdf=exact_pdf(p_data),
        sliced=SlicedW1(real_quadrature, dtype=np.float32),
        modes=modes,
    )


def exact_pdf(p_data) -> Callable[[np.ndarray], np.ndarray]:
    """p_data's density, prepared for many calls (GaussianMixturePdf for mixtures)."""
    if isinstance(p_data, GaussianMixture2D):
        weights = None if p_data.weights is None else np.asarray(p_data.weights, dtype=np.float64)
        return GaussianMixturePdf(np.asarray(p_data.centres, dtype=np.float64), weights, p_data.std)
    return p_data.pdf


def second_network(trainer: Trainer, x: torch.Tensor, witness_real: torch.Tensor, witness_z: torch.Tensor) -> torch.Tensor:
    """What the view draws where the paper draws D: D(x) as a probability, a critic's score,
    or, for mmd (no discriminator), the MMD witness between fixed real and generated samples."""
    if trainer.objective.network == "none":
        return mmd_witness(x, witness_real, trainer.generate(witness_z))
    return trainer.discriminate(x)


def frame_header(trainer: Trainer, scalars: dict) -> dict:
    """The fields every frame starts with, 1-D or 2-D."""
    obj = trainer.objective
    return {
        "dim": trainer.p_data.dim,
        "iteration": trainer.iteration,
        "d_updates": trainer.d_updates,
        "g_updates": trainer.g_updates,
        "d_kind": obj.output,
        "network": obj.network,
        "score_centre": obj.score_centre,
        **model_header(trainer),
        "scalars": scalars,
    }


def last_losses(trainer: Trainer) -> dict[str, float | None]:
    """The latest minibatch's losses and mean D outputs (None before any update)."""
    return {k: finite_or_none(v) for k, v in trainer.last.items()}


def forward_chunk(width: int) -> int:
    """Rows per network call for a network `width` wide: ~512 kB of activations a layer."""
    return max(256, min(8192, (1 << 17) // max(width, 1)))


def forward_chunked(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, width: int) -> torch.Tensor:
    """fn (a network, row by row) on x, forward_chunk(width) rows per call, on the CPU."""
    chunk = forward_chunk(width)
    with torch.no_grad():
        return torch.cat([fn(x[i : i + chunk]).cpu() for i in range(0, len(x), chunk)])


def state_key(trainer: Trainer) -> tuple:
    """What identifies the networks' state: counters, and the parameter tuples and settings
    themselves (updates replace them; compared with `is`)."""
    return (trainer.iteration, trainer.d_updates, trainer.g_updates, trainer.g_params, trainer.d_params, trainer.settings)


def _same_state(a: tuple | None, b: tuple) -> bool:
    return a is not None and a[:3] == b[:3] and all(x is y for x, y in zip(a[3:], b[3:]))


class _Frozen:
    """The networks as they are now, for parts run later: copies of G's and D's parameters,
    and what D's forward pass takes besides them (spectral-norm σs, the minibatch
    discrimination reference batch), taken at once."""

    def __init__(self, trainer: Trainer, with_d: bool) -> None:
        self.settings, self.device = trainer.settings, trainer.device
        self.latent = trainer.latent  # a model's class or code columns (every class in turn)
        with torch.no_grad():
            self.g_params = tuple(p.detach().clone() for p in trainer.g_params)
            if with_d:
                self.d_params = tuple(p.detach().clone() for p in trainer.d_params)
                self.sigmas = trainer._sigmas()
                self.reference = trainer._reference()

    def generate(self, z: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.settings.generator(self.g_params, self.latent(z).to(self.device)).cpu()

    def logit(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.settings.discriminator(self.d_params, x.to(self.device), self.sigmas, self.reference).squeeze(-1).cpu()


def metric_parts(trainer: Trainer, ps: ProbeSet2D) -> Parts[dict]:
    """JS, sliced W₁, V and the mode metrics of the trainer's state when the first part runs,
    as parts (yielding a label after each; run whole with run_parts): G on the 2,500 metric
    samples and the quadrature (forward_chunk rows per call), D on the metric samples and
    2,500 data points, the mode metrics, the sliced W₁, then JS (k-d tree, neighbours,
    densities). The first part copies the networks, so the later ones measure that state
    whatever training does in between. JS is cell-free (p_data's exact density, p_g's by
    nearest neighbours, see metrics.py), so sharp modes are measured at their own scale."""
    p_data = trainer.p_data
    # V(D, G) is the plain GAN's value; a model's D takes labels, or classifies
    probability = trainer.objective.output == "probability" and trainer.runtime is None
    nets = _Frozen(trainer, with_d=probability)
    model_scalars, per_class = model_metrics(trainer)  # cheap (a few ms): of this very state
    out: dict = {
        "js": None,
        "wasserstein": None,
        "value": None,
        "value_optimum": None,
        "modes_covered": None,
        "modes_total": None,
        "hq_fraction": None,
        **model_scalars,
        "class_accuracy": None if per_class is None else per_class.tolist(),
        "metrics_iteration": trainer.iteration,
    }
    z, n_metric = ps.z_metric_quadrature, len(ps.z_metric)
    g = torch.empty(len(z), p_data.dim)
    chunk, d_chunk = forward_chunk(trainer.config.g_width), forward_chunk(trainer.config.d_width)
    for i in range(0, len(z), chunk):
        g[i : i + chunk] = nets.generate(z[i : i + chunk])
        yield "generate"
    fake_metric, fake = g[:n_metric], g[n_metric:].numpy()
    if probability:
        x = torch.cat([ps.real_metric, fake_metric])
        logit = torch.empty(len(x))
        for i in range(0, len(x), d_chunk):
            logit[i : i + d_chunk] = nets.logit(x[i : i + d_chunk])
            yield "D for V"
        n = len(ps.real_metric)
        log_d_real = -torch.nn.functional.softplus(-logit[:n])
        log_1m_d_fake = -torch.nn.functional.softplus(logit[n:])
        out.update(value=finite_or_none(float(log_d_real.mean() + log_1m_d_fake.mean())), value_optimum=VALUE_OPTIMUM)
    if p_data.modes is not None:
        out.update(mode_metrics(fake_metric.numpy(), p_data.modes, p_data.mode_std))
        yield "modes"
    out["wasserstein"] = finite_or_none(ps.sliced.distance(fake))
    yield "sliced W1"
    out["js"] = finite_or_none((yield from js_divergence_2d_parts(ps.pdf, fake)))
    return out


def metrics_2d(trainer: Trainer, ps: ProbeSet2D) -> dict:
    """JS, sliced W₁, V and the mode metrics of the current state, whole (see metric_parts)."""
    return run_parts(metric_parts(trainer, ps))


class MetricsPass:
    """A metrics pass begun on one state, run part by part (see metric_parts)."""

    def __init__(self, trainer: Trainer, ps: ProbeSet2D, started: float) -> None:
        self.state = state_key(trainer)
        self.started = started
        self.result: dict | None = None
        self._parts = metric_parts(trainer, ps)

    @property
    def settings(self) -> object:
        return self.state[5]

    @property
    def iteration(self) -> int:
        return self.state[0]

    def advance(self, budget: float | None = None) -> bool:
        """Run parts until the pass ends (budget None) or `budget` seconds are spent (at least
        one part). True once it has ended (`result` holds the metrics)."""
        deadline = None if budget is None else time.perf_counter() + budget
        while self.result is None:
            try:
                next(self._parts)
            except StopIteration as done:
                self.result = done.value
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return self.result is not None


def current_metrics(trainer: Trainer, ps: ProbeSet2D, metrics_max_age: float = 0.0, metrics_slice: float = METRICS_SLICE_SECONDS) -> dict:
    """The metrics a frame shows (see the module's docstring): of this very state when
    `metrics_max_age` is 0; else the latest ones up to that old, advancing a spread pass."""
    now = time.perf_counter()
    state = state_key(trainer)
    cached = ps.cached_metrics
    usable = cached is not None and ps.cached_state is not None and ps.cached_state[5] is trainer.settings and trainer.iteration >= cached["metrics_iteration"]
    if usable and _same_state(ps.cached_state, state):
        return cached  # type: ignore[return-value]
    pending = ps.pending
    if pending is not None and (pending.settings is not trainer.settings or trainer.iteration < pending.iteration):
        pending = ps.pending = None  # begun before a change of settings or a reset
    if metrics_max_age <= 0 or not usable:
        # fresh metrics, or none to show meanwhile (the first frame, a new objective): whole, now
        if pending is None or not _same_state(pending.state, state):
            pending = MetricsPass(trainer, ps, now)
        pending.advance()
    else:
        if pending is None:
            if now - ps.cached_at < metrics_max_age:
                return cached  # type: ignore[return-value]
            pending = ps.pending = MetricsPass(trainer, ps, now)
        if not pending.advance(metrics_slice):
            return cached  # type: ignore[return-value]
    ps.cached_metrics, ps.cached_at, ps.cached_state, ps.pending = pending.result, pending.started, pending.state, None
    return pending.result  # type: ignore[return-value]


@torch.no_grad()
def probe_2d(trainer: Trainer, ps: ProbeSet2D, metrics_max_age: float = 0.0, metrics_slice: float = METRICS_SLICE_SECONDS) -> dict:
    """The 2-D view's layers and scalars. Metrics are of this state when `metrics_max_age` is
    0, else up to that many seconds old, a pass spread over frames `metrics_slice` seconds at a
    time (see current_metrics)."""
    p_data = trainer.p_data
    scalars = last_losses(trainer) | current_metrics(trainer, ps, metrics_max_age, metrics_slice)
    per_class = scalars.pop("class_accuracy", None)
    heat = second_network(trainer, ps.centres, ps.real_metric, ps.z_metric).squeeze(-1).cpu()
    labels = fake_labels(trainer, DOTS_2D)
    mesh = shows_mesh(trainer)  # a model's mesh is of the class shown (cgan), or not drawn
    fake_label = labels
    if labels is not None and mesh:
        labels = torch.cat([labels, labels[:1].expand(len(ps.z_mesh))])
    g = trainer.generate(ps.z_frame if mesh else ps.fake_z, labels)
    fake = g[:DOTS_2D]
    nu, nv = ps.mesh_shape
    return {
        **frame_header(trainer, scalars),
        "view": [list(p_data.view[0]), list(p_data.view[1])],
        "heatmap": {"nx": HEATMAP_CELLS, "ny": HEATMAP_CELLS, "d": heat.numpy().astype(np.float32, copy=False)},
        "real": ps.real_dots_flat,
        "fake": fake.cpu().numpy().ravel(),
        "gradients": trainer.generator_push(fake, ps.real_dots, fake_label).cpu().numpy().ravel(),
        "manifold": {"nu": nu, "nv": nv, "xy": g[DOTS_2D:].cpu().numpy().ravel()} if mesh else None,
        "modes": ps.modes,
        "real_labels": real_labels(trainer, ps.real_dots),
        "fake_labels": None if fake_label is None else fake_label.float().numpy(),
        "class_accuracy": None if per_class is None else np.asarray(per_class, dtype=np.float32),
        "classifier": _classifier(trainer, ps.centres),
        "labelled": labelled_points(trainer),
        "code_walk": code_walk(trainer),
    }


def _classifier(trainer: Trainer, centres: torch.Tensor) -> dict | None:
    layers = classifier_layers(trainer, centres)
    return None if layers is None else {"nx": HEATMAP_CELLS, "ny": HEATMAP_CELLS, **layers}
