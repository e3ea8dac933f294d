"""Figures for slides and notes, from a real run (`ganlab figure`), drawn with matplotlib's
Agg backend (no display needed).

1-D data: panels (a)-(d) of Goodfellow et al. (2014)'s Figure 1, drawn the paper's way: the
data-generating distribution as black dots, p_g as a solid green line, D as a blue dashed
line, and below them the z line (noise) with the x line (data) above it and the mapping
x = G(z) as arrows between them. The panels are the page's Figure-1 tour (gan_core/tour.py).

2-D data: the lab's 2-D view at one iteration: D's decision surface as a diverging colour map
(purple = real, green = fake, white = cannot tell, as on the page), real samples black, fake
samples green, G's mesh optionally, axes and a small title.

Sizes are in pixels (`width` x `height` at `dpi`): a PNG is exactly that many pixels; an SVG
is width/dpi x height/dpi inches. Text stays text in an SVG (editable on a slide)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from gan_core.config import LabConfig
from gan_core.objectives import OBJECTIVES
from gan_core.probes import make_probe_set, probe
from gan_core.tour import TourPanel, TourSchedule, tour_panels
from gan_core.trainer import Trainer

# The page's colours (web/figure1.js, web/view2d.js).
DATA = "#111111"
PG = "#0b8a2f"
D_BLUE = "#1d4ed8"
MAP = "#333333"
MESH = (31 / 255, 41 / 255, 55 / 255, 0.5)
MUTED = "#555555"

# What a file's extension asks matplotlib for (a registry: one line per format).
FORMATS: dict[str, str] = {".png": "png", ".svg": "svg"}

DEFAULT_DPI = 150
DEFAULT_SIZE = {1: (2400, 760), 2: (1200, 1050)}  # pixels, by the data's dimension
MIN_PIXELS, MAX_PIXELS = 200, 12000
MIN_DPI, MAX_DPI = 30, 1200
DEFAULT_STEPS_2D = 2000

# Vertical layout of a Figure-1 panel, in its own units: the z line, the x line above it and
# the height of the band where the densities and D are drawn, above the x line.
Z_LINE, X_LINE, BAND = 0.0, 1.0, 2.0


class FigureError(ValueError):
    """Bad input for a figure (size, format, path): the CLI prints it and exits 2."""


@dataclass(frozen=True)
class FigureSpec:
    """The picture's size and options (None: the default for the data's dimension)."""

    width: int | None = None  # pixels
    height: int | None = None  # pixels
    dpi: int = DEFAULT_DPI
    mesh: bool = False  # 2-D: draw G's mesh

    def size(self, dim: int) -> tuple[int, int]:
        w, h = DEFAULT_SIZE[2 if dim == 2 else 1]
        return (self.width or w, self.height or h)

    def check(self) -> None:
        for name, value in (("width", self.width), ("height", self.height)):
            if value is not None and not MIN_PIXELS <= value <= MAX_PIXELS:
                raise FigureError(f"--{name} must be between {MIN_PIXELS} and {MAX_PIXELS} pixels, got {value}")
        if not MIN_DPI <= self.dpi <= MAX_DPI:
            raise FigureError(f"--dpi must be between {MIN_DPI} and {MAX_DPI}, got {self.dpi}")


def figure_format(path: str) -> str:
    """The output format named by `path`'s extension; raises FigureError for any other."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        known = " or ".join(FORMATS)
        raise FigureError(f"cannot tell the format from {path!r}: the file name must end in {known}")
    return FORMATS[ext]


def check_writable(path: str) -> None:
    """Fail before training, not after: the folder must exist and take a new file."""
    p = Path(path)
    if p.is_dir():
        raise FigureError(f"{path} is a folder; give a file name ending in {' or '.join(FORMATS)}")
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise FigureError(f"cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise FigureError(f"cannot write {path}: permission denied")


# -- from a config to a figure --------------------------------------------------------------
def render(config: LabConfig, preset: str | None, spec: FigureSpec, *, steps: int | None = None, d_steps: int | None = None) -> Any:
    """Train a run of `config` and draw it: the four tour panels for 1-D data (`steps` caps
    panel (d)'s iterations, `d_steps` sets panel (b)'s D updates), the 2-D view after `steps`
    iterations for 2-D data. Returns a matplotlib Figure. Raises trainer.Diverged."""
    spec.check()
    trainer = Trainer(config)
    name = preset or "custom"
    objective = OBJECTIVES.get(config.objective).title
    if trainer.p_data.dim == 2:
        trainer.step("iteration", steps if steps is not None else DEFAULT_STEPS_2D)
        frame = probe(trainer, make_probe_set(trainer))
        return draw_2d(frame, f"{name} · {objective} · iteration {trainer.iteration}", spec)
    schedule = TourSchedule()
    if steps is not None:
        schedule = replace(schedule, max_iterations=steps, min_iterations=min(steps, schedule.min_iterations))
    if d_steps is not None:
        schedule = replace(schedule, d_steps=d_steps)
    panels = tour_panels(trainer, schedule)
    return draw_tour(panels, f"{name} · {objective} · Figure 1 of Goodfellow et al. (2014), from a run", spec)


def save(fig: Any, path: str) -> None:
    """Write `fig` in the format its extension names (text stays text in an SVG)."""
    import matplotlib

    fmt = figure_format(path)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ganlab"}):
        fig.savefig(path, format=fmt, dpi=fig.dpi, facecolor="white")


def _new_figure(width: int, height: int, dpi: int) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no global state, no display

    # a hair over the size: Agg truncates width * dpi / dpi, which can land one pixel short
    return Figure(figsize=((width + 0.01) / dpi, (height + 0.01) / dpi), dpi=dpi, facecolor="white")


# -- Figure 1, four panels ---------------------------------------------------------------
def _second_network(frame: dict[str, Any]) -> tuple[str, str]:
    """(symbol, legend text) of what `d` holds: D, a critic C or the MMD witness."""
    if frame["d_kind"] == "witness":
        return "witness", "MMD witness"
    if frame["network"] == "critic":
        return "C", "C(x), the critic"
    return "D", "D(x), the discriminator"


PANEL_TEXT = {
    "a": "near the start",
    "b": "{sym} trained, G fixed",
    "c": "{n} G updates, {sym} frozen",
    "d": "trained on",
}


def panel_caption(panel: TourPanel) -> str:
    sym = _second_network(panel.frame)[0]
    sym = "D" if sym == "witness" else sym
    what = PANEL_TEXT[panel.label].format(sym=sym, n=panel.extra.get("g_updates_shown", 1))
    return f"({panel.label}) {what}"


def _d_scale(panels: list[TourPanel]) -> tuple[float, float]:
    """The second network's range on the band: [0, 1] for a probability, else the range its
    values take over the four panels (one scale for all, so they compare)."""
    if all(p.frame["d_kind"] == "probability" for p in panels):
        return 0.0, 1.0
    values = np.concatenate([np.asarray(p.frame["d"], dtype=float) for p in panels])
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    pad = max((hi - lo) * 0.08, 1e-6)
    return lo - pad, hi + pad


def draw_tour(panels: list[TourPanel], title: str, spec: FigureSpec) -> Any:
    """Panels (a)-(d) side by side, each drawn the paper's way."""
    width, height = spec.size(1)
    fig = _new_figure(width, height, spec.dpi)
    n = len(panels)
    fs = _font_size(width / n, height, spec.dpi)
    d_range = _d_scale(panels)
    axes = fig.subplots(1, n, squeeze=False)[0]
    fig.subplots_adjust(left=0.02, right=0.98, top=0.84, bottom=0.14, wspace=0.08)
    previous: dict[str, Any] | None = None
    handles = None
    for ax, panel in zip(axes, panels):
        handles = _draw_panel(ax, panel, d_range, ghost=previous if panel.label == "c" else None, fs=fs)
        previous = panel.frame
    fig.suptitle(title, x=0.02, y=0.985, ha="left", va="top", fontsize=fs * 1.1, color=MUTED)
    if handles:
        fig.legend(
            handles=handles,
            loc="upper right",
            bbox_to_anchor=(0.98, 0.995),
            ncol=len(handles),
            frameon=False,
            fontsize=fs,
            handlelength=2.6,
        )
    return fig


def _font_size(panel_px: float, height_px: float, dpi: int) -> float:
    """Type in points that reads on a projector: ~1/28 of the panel's width or 1/22 of the
    height in pixels, whichever is smaller, at least 6 pt."""
    px = min(panel_px / 28, height_px / 22)
    return max(6.0, px * 72 / dpi)


def _density_curve(p: Any, y_max: float) -> np.ndarray:
    """Heights of density `p` on the band, tall values clipped; NaN (not drawn) where it and
    both neighbours are negligible: a curve at 0 would only retrace the x line, and the
    neighbours keep the steep sides of a narrow p_g."""
    p = np.nan_to_num(np.asarray(p, dtype=float))
    mass = p > 1e-3 * y_max
    near = mass | np.roll(mass, 1) | np.roll(mass, -1)
    return np.where(near, X_LINE + BAND * np.minimum(p, y_max * 1.02) / y_max, np.nan)


def _draw_panel(ax: Any, panel: TourPanel, d_range: tuple[float, float], ghost: dict[str, Any] | None, fs: float) -> list[Any]:
    from matplotlib.lines import Line2D

    f = panel.frame
    v_lo, v_hi = f["view"]
    z_lo, z_hi = f["z_view"]
    x = np.asarray(f["x"], dtype=float)
    U = lambda v: (np.asarray(v, dtype=float) - v_lo) / (v_hi - v_lo)  # noqa: E731 (x → [0, 1])
    W = lambda z: (np.asarray(z, dtype=float) - z_lo) / (z_hi - z_lo)  # noqa: E731 (z → [0, 1])
    p_data = np.nan_to_num(np.asarray(f["p_data"], dtype=float))
    y_max = 1.3 * (p_data.max() if p_data.max() > 0 else 1.0)
    dens = lambda p: _density_curve(p, y_max)  # noqa: E731
    d_lo, d_hi = d_range
    band = lambda d: X_LINE + BAND * (np.asarray(d, dtype=float) - d_lo) / (d_hi - d_lo)  # noqa: E731

    ax.set_gid(f"panel-{panel.label}")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(Z_LINE - 0.12, X_LINE + BAND * 1.08)
    ax.set_axis_off()

    # the two lines: z below, x above (the paper's horizontal axes)
    for y, gid in ((Z_LINE, "z-line"), (X_LINE, "x-line")):  # on top: a curve at 0 does not hide them
        ax.plot([0, 1], [y, y], color="black", lw=1.2, solid_capstyle="butt", zorder=5, gid=f"{gid}-{panel.label}")
    ax.text(-0.015, Z_LINE, "z", ha="right", va="center", fontsize=fs * 1.1, style="italic")
    ax.text(-0.015, X_LINE, "x", ha="right", va="center", fontsize=fs * 1.1, style="italic")

    # the mapping x = G(z): an arrow from each z up to G(z), the ones that leave the view end at its edge
    zs, gx = np.asarray(f["mapping_z"], dtype=float), np.asarray(f["mapping_x"], dtype=float)
    ok = np.isfinite(gx)
    starts = W(zs[ok])
    ends = np.clip(U(gx[ok]), 0.0, 1.0)
    arrows = []
    from matplotlib.patches import FancyArrowPatch

    for s, e in zip(starts, ends):
        arrow = FancyArrowPatch((s, Z_LINE), (e, X_LINE), arrowstyle="-|>", mutation_scale=fs * 0.55, lw=0.6, color=MAP, shrinkA=0, shrinkB=0)
        ax.add_patch(arrow)
        arrows.append(arrow)
    if arrows:
        arrows[0].set_gid(f"mapping-{panel.label}")

    # panel (c): where p_g was before G's updates, faint
    if ghost is not None:
        ax.plot(U(x), dens(ghost["p_g"]), color=PG, lw=3, alpha=0.25, gid=f"p_g-before-{panel.label}")

    # p_data: black dots, as the paper's dotted line
    step = max(1, len(x) // 70)
    ax.plot(U(x)[::step], dens(p_data)[::step], linestyle="none", marker="o", ms=fs * 0.22, color=DATA, gid=f"p_data-{panel.label}")
    ax.plot(U(x), dens(f["p_g"]), color=PG, lw=2, gid=f"p_g-{panel.label}")
    d = np.asarray(f["d"], dtype=float)
    if f["d_kind"] == "probability":  # D = ½: where it cannot tell (panel (d)'s goal)
        ax.plot([0, 1], [band(0.5)] * 2, color="#8a8a8a", lw=0.8, linestyle=(0, (1, 3)), gid=f"half-{panel.label}")
        ax.text(1.0, band(0.5), "½", ha="left", va="bottom", fontsize=fs * 0.8, color="#8a8a8a")
    p_g = np.nan_to_num(np.asarray(f["p_g"], dtype=float))
    if p_g.max() > y_max * 1.02:  # the page's words for a p_g taller than the drawing
        peak = float(U(x[int(np.argmax(p_g))]))
        right = peak > 0.5
        ax.text(peak + (-0.02 if right else 0.02), X_LINE + BAND * 1.04, "p_g ↑ off scale", ha="right" if right else "left", va="center", fontsize=fs * 0.85, color=PG)
    ax.plot(U(x), np.clip(band(d), X_LINE, X_LINE + BAND), color=D_BLUE, lw=1.8, linestyle=(0, (5, 3)), gid=f"d-{panel.label}")

    caption = panel_caption(panel)
    js = f["scalars"].get("js")
    note = f"iteration {f['iteration']}" + ("" if js is None else f" · JS {js:.2f}")
    ax.text(0.5, -0.03, caption, transform=ax.transAxes, ha="center", va="top", fontsize=fs * 1.05, weight="bold")
    ax.annotate(note, xy=(0.5, -0.03), xycoords="axes fraction", xytext=(0, -fs * 1.7), textcoords="offset points", ha="center", va="top", fontsize=fs * 0.9, color=MUTED)

    name = _second_network(f)[1]
    return [
        Line2D([], [], linestyle="none", marker="o", ms=fs * 0.3, color=DATA, label="data (p_data)"),
        Line2D([], [], color=PG, lw=2, label="p_g = G's samples"),
        Line2D([], [], color=D_BLUE, lw=1.8, linestyle=(0, (5, 3)), label=name),
        Line2D([], [], color=MAP, lw=0.8, marker=r"$\uparrow$", ms=fs * 0.6, label="x = G(z)"),
    ]


# -- the 2-D view ---------------------------------------------------------------------------
def _heat_scale(frame: dict[str, Any]) -> tuple[float, float, str]:
    """(centre, half-range, label) of the colour map: [0, 1] about ½ for a probability;
    else about the objective's own centre (or midway between the mean scores on real and
    fake samples, when only differences of scores mean anything)."""
    d = np.asarray(frame["heatmap"]["d"], dtype=float)
    if frame["d_kind"] == "probability":
        return 0.5, 0.5, "D(x): the discriminator's probability that x is real"
    s = frame["scalars"]
    centre = frame.get("score_centre")
    if centre is None:
        real, fake = s.get("d_real"), s.get("d_fake")
        centre = (real + fake) / 2 if real is not None and fake is not None else float(np.nanmedian(d))
    finite = d[np.isfinite(d)]
    half = float(np.percentile(np.abs(finite - centre), 98)) if finite.size else 1.0
    if frame["d_kind"] == "witness":
        label = "MMD witness: p_data has more mass (purple) or p_g (green)"
    elif frame["network"] == "critic":
        label = "C(x): the critic's score (higher = more real-like)"
    else:
        label = "D(x): the least-squares discriminator's score"
    return float(centre), max(half, 1e-6), label


def draw_2d(frame: dict[str, Any], title: str, spec: FigureSpec) -> Any:
    """The 2-D view: D's surface (purple = real, green = fake, as on the page), real samples
    black on top of the fake ones in green, G's mesh if asked, axes and a small title."""
    width, height = spec.size(2)
    fig = _new_figure(width, height, spec.dpi)
    fs = max(6.0, min(width, height) / 52 * 72 / spec.dpi)
    ax = fig.add_axes((0.09, 0.08, 0.72, 0.78))
    cax = fig.add_axes((0.85, 0.08, 0.025, 0.78))
    (x0, x1), (y0, y1) = frame["view"]
    heat = frame["heatmap"]
    grid = np.asarray(heat["d"], dtype=float).reshape(heat["ny"], heat["nx"])  # row-major from the bottom row
    centre, half, label = _heat_scale(frame)
    # PRGn reversed: high (real) purple, low (fake) green, the page's palette (web/heatmap.js)
    image = ax.imshow(grid, origin="lower", extent=(x0, x1, y0, y1), cmap="PRGn_r", vmin=centre - half, vmax=centre + half, interpolation="bilinear", zorder=0)
    image.set_gid("heatmap")
    bar = fig.colorbar(image, cax=cax)
    bar.set_label(label, fontsize=fs)
    bar.ax.tick_params(labelsize=fs * 0.9)
    if frame["d_kind"] == "probability":
        bar.set_ticks([0, 0.5, 1], labels=["0 fake", "½", "1 real"])
    if spec.mesh and frame.get("manifold"):
        m = frame["manifold"]
        xy = np.asarray(m["xy"], dtype=float).reshape(m["nv"], m["nu"], 2)  # u (z₁) varies fastest
        lines = list(xy) + (list(xy.transpose(1, 0, 2)) if m["nv"] > 1 else [])
        for i, line in enumerate(lines):
            ax.plot(line[:, 0], line[:, 1], color=MESH, lw=0.7, zorder=1, gid="mesh" if i == 0 else None)
    real = np.asarray(frame["real"], dtype=float).reshape(-1, 2)
    fake = np.asarray(frame["fake"], dtype=float).reshape(-1, 2)
    dot = (fs * 0.5) ** 2
    fakes = ax.scatter(fake[:, 0], fake[:, 1], s=dot, c=PG, edgecolors="white", linewidths=0.5, zorder=2, label="generated G(z)")
    reals = ax.scatter(real[:, 0], real[:, 1], s=dot * 0.7, c=DATA, edgecolors="white", linewidths=0.4, zorder=3, label="real data")
    fakes.set_gid("fake")
    reals.set_gid("real")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("x₁", fontsize=fs)
    ax.set_ylabel("x₂", fontsize=fs)
    ax.tick_params(labelsize=fs * 0.9)
    s = frame["scalars"]
    facts = []
    if s.get("js") is not None:
        facts.append(f"JS {s['js']:.3f} nats")
    if s.get("wasserstein") is not None:
        facts.append(f"sliced W₁ {s['wasserstein']:.3f}")
    if s.get("modes_total"):
        facts.append(f"modes covered {s.get('modes_covered')}/{s['modes_total']}")
    fig.text(0.09, 0.975, title, ha="left", va="top", fontsize=fs * 1.1, weight="bold")
    fig.text(0.09, 0.975 - fs * 1.9 / 72 / fig.get_figheight(), " · ".join(facts), ha="left", va="top", fontsize=fs * 0.95, color=MUTED)
    # above the colour bar, under the title's line
    fig.legend(handles=[reals, fakes], loc="upper right", bbox_to_anchor=(0.995, 0.935), fontsize=fs * 0.9, frameon=False, markerscale=1.5)
    return fig
