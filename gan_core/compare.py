"""Named comparisons: 2–4 runs side by side that differ in one thing (the objective, k, the
critic...). Each run is a preset plus overrides, validated through LabConfig when this module
is imported, and the runs of one comparison share their data and seed, so what differs on the
screen is what the comparison is about. A comparison of kind "dirac" is a set of Dirac-GAN
runs (gan_core/dirac.py) shown by the Dirac-GAN page; it is data here too.

A compare link names its runs as text, `PRESET:key=value,key=value|PRESET:...`
(`parse_runs`): a value may itself hold commas (`regularizers=a,b`, the drawing's
`x,y;x,y`), so a comma-separated piece without `=` continues the value before it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from gan_core.config import ConfigError, LabConfig
from gan_core.dirac import DiracConfig, DiracError
from gan_core.distributions import DISTRIBUTIONS
from gan_core.presets import PRESETS, get_preset
from gan_core.registry import Registry

MIN_RUNS, MAX_RUNS = 2, 4
SHARED_FIELDS = ("distribution", "drawn_points", "seed")  # what every run of a comparison shares
RUN_SEPARATOR, PRESET_SEPARATOR, PAIR_SEPARATOR = "|", ":", ","
FORMAT = "PRESET:key=value,key=value|PRESET:key=value (2–4 runs; a run may be a bare PRESET)"

Kind = Literal["lab", "dirac"]


class CompareError(ValueError):
    """A comparison or a compare link that cannot be used, naming the bad part."""


@dataclass(frozen=True)
class LabRun:
    """One run of the lab: `preset` with `overrides` (typed values), validated as `config`."""

    label: str
    preset: str
    overrides: dict[str, Any]
    config: LabConfig

    def describe(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "preset": self.preset,
            "overrides": dict(self.overrides),
            "config": self.config.model_dump(),
            "dim": DISTRIBUTIONS.get(self.config.distribution).dim,
        }


@dataclass(frozen=True)
class DiracRun:
    """One run of the Dirac-GAN page: `settings` of DiracConfig fields, validated as `config`."""

    label: str
    settings: dict[str, Any]
    config: DiracConfig

    def describe(self) -> dict[str, Any]:
        return {"label": self.label, "settings": dict(self.settings), "config": {f.name: getattr(self.config, f.name) for f in fields(self.config)}}


@dataclass(frozen=True)
class Comparison:
    name: str
    title: str
    description: str  # one sentence: what to watch
    runs: tuple[LabRun, ...] | tuple[DiracRun, ...]
    kind: Kind = "lab"

    @property
    def link(self) -> str:
        """Where the comparison opens: the compare page, or the Dirac-GAN page with its runs."""
        if self.kind == "dirac":
            return "/dirac?runs=" + RUN_SEPARATOR.join(_pairs(r.settings) for r in self.runs)  # type: ignore[union-attr]
        return f"/compare?c={self.name}"

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "kind": self.kind,
            "link": self.link,
            "runs_text": format_runs(self.runs) if self.kind == "lab" else None,  # type: ignore[arg-type]
            "runs": [r.describe() for r in self.runs],
        }


def _text(value: Any) -> str:
    """A value as link text: 1.0 → "1", lists of names "a,b", the drawing "x,y;x,y"."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        if all(isinstance(p, (list, tuple)) for p in value):
            return ";".join(",".join(_text(v) for v in p) for p in value)
        return ",".join(_text(v) for v in value)
    return str(value)


def _pairs(settings: dict[str, Any]) -> str:
    return PAIR_SEPARATOR.join(f"{k}={_text(v)}" for k, v in settings.items())


def format_runs(runs: tuple[LabRun, ...] | list[LabRun]) -> str:
    """The `runs=` text of a compare link that rebuilds `runs` (labels aside)."""
    parts = []
    for run in runs:
        pairs = _pairs(run.overrides)
        parts.append(f"{run.preset}{PRESET_SEPARATOR}{pairs}" if pairs else run.preset)
    return RUN_SEPARATOR.join(parts)


def lab_run(label: str, preset: str, overrides: dict[str, Any] | None = None) -> LabRun:
    """A run of the lab, validated (strictly: registry entries are typed values)."""
    overrides = dict(overrides or {})
    try:
        config = get_preset(preset).config.updated(overrides) if overrides else get_preset(preset).config
    except KeyError as err:
        raise CompareError(f"run {label!r}: {err.args[0]}") from None
    except ConfigError as err:
        raise CompareError(f"run {label!r}: {err}") from None
    return LabRun(label, preset, overrides, config)


def dirac_run(label: str, settings: dict[str, Any]) -> DiracRun:
    known = {f.name for f in fields(DiracConfig)}
    unknown = [k for k in settings if k not in known]
    if unknown:
        raise CompareError(f"run {label!r}: {unknown[0]}: not a Dirac-GAN setting; choose from: {', '.join(sorted(known))}")
    try:
        return DiracRun(label, dict(settings), DiracConfig(**settings))
    except DiracError as err:
        raise CompareError(f"run {label!r}: {err}") from None


def shared_problem(runs: list[LabRun] | tuple[LabRun, ...]) -> str | None:
    """Why these runs are not like for like (different data or seed), or None."""
    first = runs[0]
    for run in runs[1:]:
        for name in SHARED_FIELDS:
            a, b = getattr(first.config, name), getattr(run.config, name)
            if a != b:
                shown = (_text(a)[:40], _text(b)[:40])
                return f"runs {first.label!r} and {run.label!r} differ in {name} ({shown[0]} vs {shown[1]}): a comparison's runs share their data and seed"
    return None


def check_comparison(c: Comparison) -> Comparison:
    if not MIN_RUNS <= len(c.runs) <= MAX_RUNS:
        raise CompareError(f"comparison {c.name!r}: {len(c.runs)} runs; a comparison has {MIN_RUNS}–{MAX_RUNS}")
    labels = [r.label for r in c.runs]
    if len(set(labels)) != len(labels):
        raise CompareError(f"comparison {c.name!r}: two runs share a label; each needs its own")
    if c.kind == "lab":
        problem = shared_problem(c.runs)  # type: ignore[arg-type]
        if problem:
            raise CompareError(f"comparison {c.name!r}: {problem}")
    return c


COMPARISONS: Registry[Comparison] = Registry("comparison")


def _add(name: str, title: str, description: str, runs: list[LabRun] | list[DiracRun], kind: Kind = "lab") -> None:
    COMPARISONS.register(name, check_comparison(Comparison(name, title, description, tuple(runs), kind)))  # type: ignore[arg-type]


def get_comparison(name: str) -> Comparison:
    return COMPARISONS.get(name)


# Measured (seed 0, `ganlab train`): at iteration 50 D rejects the fakes (D(fake) ≈ 0.03) and
# ‖∇G‖ is 0.25 for minimax against 12.8 for non-saturating; JS at 100: 0.65 vs 0.45. Both
# reach the bump later (JS ≈ 0.1 at 1,000): the difference is the start.
_add(
    "minimax-vs-non-saturating",
    "Minimax vs non-saturating G loss",
    "Same data, seed and networks, only G's loss differs: in the first hundred iterations, while D rejects the fakes, "
    "the minimax G's ‖∇G‖ is ~50× smaller (log(1 − D(G(z))) is flat there) and p_g sets off later; both reach the bump in the end.",
    [
        lab_run("minimax (eq. 1)", "figure1", {"objective": "minimax"}),
        lab_run("non-saturating", "figure1", {"objective": "non-saturating"}),
    ],
)
_add(
    "gan-vs-wgan-gp-ring",
    "GAN vs WGAN-GP on the ring",
    "The ring of 8 with the same networks and seed: a GAN with R1 against a WGAN-GP critic — compare how modes covered "
    "climbs, and D's probability map (white ≈ ½ on the modes) against the critic's score surface.",
    [
        lab_run("GAN + R1 (ring)", "ring"),
        lab_run("WGAN-GP", "wgan-gp"),
    ],
)
# k = 1 vs 5 on the figure1 preset itself (non-saturating) barely differs per iteration (JS
# 0.091 vs 0.046 at 1,000); on gaussians k = 5 did better. With the saturating loss (the
# `minimax` preset) the difference is stark: k = 5 gives D(real) = 1.00, D(fake) = 0.00,
# ‖∇G‖ < 1e-4 and JS = log 2 up to iteration 1,000 on seeds 0, 1 and 2 (G breaks out near
# 2,700 on seed 0), while k = 1 reaches JS 0.07-0.10 by 1,000.
_add(
    "k1-vs-k5",
    "k = 1 vs k = 5 discriminator steps",
    "Algorithm 1's k with the saturating minimax loss: with 5 D steps per G step D rejects every fake with certainty "
    "(D(fake) = 0), ‖∇G‖ falls to ~0 and p_g stays put for thousands of iterations; with k = 1 G keeps up and reaches the bump.",
    [
        lab_run("k = 1", "minimax", {"d_steps": 1}),
        lab_run("k = 5", "minimax", {"d_steps": 5}),
    ],
)
_add(
    "dirac-r1",
    "Dirac-GAN: with vs without R1",
    "The plain GAN on the Dirac-GAN circles around the equilibrium (0, 0) for ever; an R1 penalty on D (γ = 1) damps "
    "the circling and the run spirals in.",
    [
        dirac_run("without R1", {"objective": "minimax"}),
        dirac_run("with R1 (γ = 1)", {"objective": "minimax", "r1_gamma": 1}),
    ],
    kind="dirac",
)


# -- compare links --------------------------------------------------------------------------
@dataclass
class ParsedRuns:
    """What a link's `runs=` gave: the runs that load, and a sentence per part that did not."""

    runs: list[LabRun]
    problems: list[str]


def _split_pairs(text: str) -> list[str]:
    """`a=1,b=x,y,c=2` → ["a=1", "b=x,y", "c=2"]: a piece without '=' continues the last value."""
    pairs: list[str] = []
    for piece in text.split(PAIR_SEPARATOR):
        if "=" not in piece and pairs:
            pairs[-1] += PAIR_SEPARATOR + piece
        else:
            pairs.append(piece)
    return pairs


def _run_label(preset: str, overrides: dict[str, str]) -> str:
    return f"{preset} · {', '.join(f'{k}={v}' for k, v in overrides.items())}" if overrides else preset


def _parse_run(number: int, text: str, problems: list[str]) -> LabRun | None:
    where = f"run {number} {text[:80]!r}"
    preset, sep, rest = text.strip().partition(PRESET_SEPARATOR)
    preset = preset.strip()
    if not preset:
        problems.append(f"{where}: no preset before ':'; a run is PRESET or PRESET:key=value,key=value")
        return None
    if preset not in PRESETS:
        problems.append(f"{where}: no preset {preset!r}; choose one of: {', '.join(PRESETS)}")
        return None
    changes: dict[str, str] = {}
    for pair in _split_pairs(rest) if sep and rest.strip() else []:
        key, eq, value = pair.partition("=")
        key = key.strip()
        if not eq or not key:
            problems.append(f"{where}: {pair.strip()[:60]!r} is not key=value (left out)")
            continue
        if key in changes:
            problems.append(f"{where}: {key} is set twice; the last value ({value.strip()[:40]}) is used")
        changes[key] = value.strip()
    base = get_preset(preset).config
    try:  # as a whole first: a value may need another (distribution=drawn needs drawn_points)
        config, dropped = base.updated(changes, strict=False), []
    except ConfigError:
        config, dropped = base.updated_leniently(changes)
    for d in dropped:
        problems.append(f"{where}: {d['field']}={d['value'][:40]} left out ({d['reason']})")
    kept = {k: v for k, v in changes.items() if k not in {d["field"] for d in dropped}}
    typed = config.model_dump()
    return LabRun(_run_label(preset, kept), preset, {k: typed[k] for k in kept}, config)


def parse_runs(text: str) -> ParsedRuns:
    """A compare link's `runs=` text, leniently: each bad part (a run, a key, a value) is left
    out and named in `problems`, and what is left loads. More than MAX_RUNS: the first ones;
    fewer than MIN_RUNS or runs on different data/seed are named too (the runs still load)."""
    problems: list[str] = []
    runs: list[LabRun] = []
    parts = [p for p in text.split(RUN_SEPARATOR)]
    if not text.strip():
        return ParsedRuns([], [f"runs is empty; the format is {FORMAT}"])
    for number, part in enumerate(parts, start=1):
        if not part.strip():
            problems.append(f"run {number} is empty (two '|' in a row?)")
            continue
        run = _parse_run(number, part, problems)
        if run is not None:
            runs.append(run)
    if len(runs) > MAX_RUNS:
        problems.append(f"{len(runs)} runs; a comparison shows at most {MAX_RUNS}: the first {MAX_RUNS} are shown")
        runs = runs[:MAX_RUNS]
    if 0 < len(runs) < MIN_RUNS:
        problems.append(f"only {len(runs)} run loads; a comparison needs {MIN_RUNS}–{MAX_RUNS}")
    labels = [r.label for r in runs]
    for i, label in enumerate(labels):  # the same run twice: tell them apart
        if labels.count(label) > 1:
            runs[i] = LabRun(f"{label} (#{i + 1})", runs[i].preset, runs[i].overrides, runs[i].config)
    if len(runs) >= 2:
        problem = shared_problem(runs)
        if problem:
            problems.append(problem.replace("a comparison's runs share", "the comparison is not like for like unless they share"))
    return ParsedRuns(runs, problems)


def parse_runs_strict(text: str) -> list[LabRun]:
    """`parse_runs` for a CLI or a test: any problem is an error naming every bad part."""
    parsed = parse_runs(text)
    if parsed.problems:
        raise CompareError("; ".join(parsed.problems))
    return parsed.runs
