"""The one configuration model. Presets are instances of it; the websocket `configure`
message, the URL, the CLI's --set and saved runs all validate through it; the page builds its
controls from the JSON schema it publishes. Add a field here and it appears everywhere."""

from __future__ import annotations

import json
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gan_core.distributions import DISTRIBUTIONS
from gan_core.distributions2d import DRAW_AREA, MAX_DRAWN_POINTS, MIN_DRAWN_POINTS, drawn_distribution
from gan_core.labels import DRAW_CLASSES, MAX_CLASSES, class_mixture
from gan_core.models import MODELS
from gan_core.models import combination_error as model_combination_error
from gan_core.networks import ACTIVATIONS
from gan_core.objectives import OBJECTIVES
from gan_core.priors import PRIORS
from gan_core.regularizers import REGULARIZERS, combination_error


class ConfigError(ValueError):
    """A configuration that does not validate, with a message a student can act on.
    `problems` says which field each part is about (None: the combination), so a page can
    name its own labels instead of field names."""

    def __init__(self, message: str, problems: list[tuple[str | None, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems if problems is not None else [(None, message)]


def _field(default: Any, group: str, title: str, description: str, *, reset: bool = False, **kw: Any) -> Any:
    """A config field; `reset=True` marks settings that need new networks (the page warns
    before applying them; every other field applies to the running networks)."""
    extra: dict[str, Any] = {"group": group}
    if reset:
        extra["reset"] = True
    return Field(default, title=title, description=description, json_schema_extra=extra, **kw)


def _registered(registry_name: str):
    registry = {
        "distribution": DISTRIBUTIONS,
        "prior": PRIORS,
        "objective": OBJECTIVES,
        "activation": ACTIVATIONS,
        "regularizer": REGULARIZERS,
        "model": MODELS,
    }[registry_name]

    def check(value: str) -> str:
        if value not in registry:
            raise ValueError(f"unknown {registry_name} {value!r}; choose one of: {', '.join(registry)}")
        return value

    return check


# Which registry lists the allowed values of a string field (published as a schema enum).
REGISTRY_FIELDS = {
    "model": "model",
    "distribution": "distribution",
    "prior": "prior",
    "objective": "objective",
    "g_activation": "activation",
    "d_activation": "activation",
}


class LabConfig(BaseModel):
    """Everything that defines an experiment. Ranges keep a classroom laptop responsive.
    The defaults are the lab's first Figure-1 setting; presets.py starts from them (the
    figure1 preset itself now changes noise, activations, Adam's β and batch: see there)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    model: str = _field("gan", "model", "Model", "Which GAN: the paper's, conditional (labels in), InfoGAN (codes in) or semi-supervised (D classifies).", reset=True)
    show_class: int = _field(
        -1, "model", "Class G draws", "cgan: the class the view asks G for, and D is asked about (−1: every class, each in its colour).", ge=-1, le=MAX_CLASSES - 1
    )
    info_categories: int = _field(8, "model", "Code categories K", "infogan: how many values G's categorical code takes.", reset=True, ge=2, le=16)
    info_continuous: int = _field(1, "model", "Continuous codes", "infogan: continuous codes c′ ~ U(−1, 1) fed to G (the view walks the first).", reset=True, ge=0, le=2)
    info_weight: float = _field(1.0, "model", "Information weight λ", "infogan: weight of the mutual-information term λ·L_I in G's and Q's losses.", ge=0.0, le=10.0)
    labels_per_class: int = _field(
        5, "model", "Labels per class n", "semi-supervised: labelled points per class; the rest of the data is unlabelled.", reset=True, ge=1, le=50
    )
    distribution: str = _field("gaussian", "data", "Data distribution", "p_data: the distribution G must learn to imitate.", reset=True)
    prior: str = _field("uniform", "data", "Noise prior", "p_z: the noise G transforms into samples.", reset=True)
    noise_dim: int = _field(2, "data", "Noise dimension", "How many noise numbers z feed the generator.", reset=True, ge=1, le=8)
    drawn_points: list[tuple[float, float]] = Field(
        default_factory=list,
        title="Drawn points",
        description="The points of the 'draw your own' distribution, drawn on the 2-D canvas.",
        max_length=MAX_DRAWN_POINTS,
        json_schema_extra={"group": "data", "hidden": True, "reset": True},
    )
    drawn_classes: list[int] = Field(
        default_factory=list,
        title="Drawn classes",
        description="The class (colour) of each drawn point, for the labelled models; empty: one class.",
        max_length=MAX_DRAWN_POINTS,
        json_schema_extra={"group": "data", "hidden": True, "reset": True},
    )

    objective: str = _field("non-saturating", "training", "Objective", "Which losses D and G minimise.")
    d_steps: int = _field(1, "training", "k (D steps per iteration)", "Discriminator updates before each generator update (Algorithm 1's k).", ge=1, le=50)
    g_steps: int = _field(1, "training", "G steps per iteration", "Generator updates after the k discriminator updates of each iteration.", ge=1, le=50)
    batch_size: int = _field(128, "training", "Batch size m", "Samples of noise and data per update.", ge=1, le=4096)
    optimizer: Literal["adam", "sgd", "rmsprop"] = _field("adam", "training", "Optimizer", "Adam, SGD with momentum or RMSProp (WGAN's choice), for both networks.")
    momentum: float = _field(0.9, "training", "SGD momentum", "Momentum of SGD (ignored by Adam and RMSProp).", ge=0.0, lt=1.0)
    beta1: float = _field(0.5, "training", "Adam β1", "Adam's first-moment decay; 0.5 is common for GANs.", ge=0.0, lt=1.0)
    beta2: float = _field(0.999, "training", "Adam β2 / RMSProp α", "Decay of the squared-gradient average (Adam's β2, RMSProp's α).", ge=0.0, lt=1.0)
    lr_halflife: int = _field(
        3000, "training", "Learning-rate half-life", "Iterations after which both learning rates halve (0 = constant): damps the late oscillation around equilibrium.", ge=0, le=1_000_000
    )
    seed: int = _field(0, "training", "Seed", "Same seed, same run: initial weights and every sample.", reset=True, ge=0, le=2**31 - 1)

    regularizers: list[str] = _field(
        [], "tricks", "Regularisers", "Tricks added to the objective, combinable: " + ", ".join(REGULARIZERS) + ".", max_length=len(REGULARIZERS.names())
    )
    clip_value: float = _field(0.01, "tricks", "WGAN clip c", "wasserstein: the critic's weights are clipped to [−c, c] after each step.", gt=0.0, le=10.0)
    gp_weight: float = _field(10.0, "tricks", "WGAN-GP λ", "wasserstein-gp: weight of the penalty E(‖∇C(x̂)‖ − 1)².", ge=0.0, le=1000.0)
    r1_gamma: float = _field(1.0, "tricks", "R1 γ", "gradient-penalty-r1: the penalty is (γ/2) E‖∇ₓD(x_real)‖².", ge=0.0, le=1000.0)
    label_smoothing: float = _field(0.9, "tricks", "Real label α", "one-sided-label-smoothing: the label of real samples (fakes keep 0).", gt=0.0, le=1.0)
    instance_noise: float = _field(0.1, "tricks", "Instance noise σ", "instance-noise: std of the Gaussian noise added to every input of D at iteration 0.", ge=0.0, le=10.0)
    instance_noise_anneal: int = _field(
        2000, "tricks", "Noise anneal (iterations)", "instance-noise: σ falls linearly to 0 over this many iterations (0 = constant).", ge=0, le=1_000_000
    )
    historical_weight: float = _field(0.001, "tricks", "Historical weight w", "historical-averaging: weight of ‖θ − mean of past θ‖².", ge=0.0, le=100.0)
    mbd_kernels: int = _field(5, "tricks", "Minibatch kernels B", "minibatch-discrimination: similarity features per sample.", reset=True, ge=1, le=64)
    mbd_kernel_dims: int = _field(3, "tricks", "Minibatch kernel dims C", "minibatch-discrimination: dimensions of each similarity kernel.", reset=True, ge=1, le=64)

    g_layers: int = _field(2, "generator", "G hidden layers", "Hidden layers in the generator.", reset=True, ge=0, le=6)
    g_width: int = _field(32, "generator", "G width", "Neurons per hidden layer of the generator.", reset=True, ge=1, le=512)
    g_activation: str = _field("elu", "generator", "G activation", "Non-linearity of the generator's hidden layers.", reset=True)
    lr_g: float = _field(5e-4, "generator", "G learning rate", "Step size of the generator's updates.", gt=0.0, le=1.0)

    d_layers: int = _field(2, "discriminator", "D hidden layers", "Hidden layers in the discriminator.", reset=True, ge=0, le=6)
    d_width: int = _field(64, "discriminator", "D width", "Neurons per hidden layer of the discriminator.", reset=True, ge=1, le=512)
    d_activation: str = _field("elu", "discriminator", "D activation", "Non-linearity of the discriminator's hidden layers.", reset=True)
    lr_d: float = _field(2e-3, "discriminator", "D learning rate", "Step size of the discriminator's updates.", gt=0.0, le=1.0)

    _check_model = field_validator("model")(_registered("model"))
    _check_distribution = field_validator("distribution")(_registered("distribution"))
    _check_prior = field_validator("prior")(_registered("prior"))
    _check_objective = field_validator("objective")(_registered("objective"))
    _check_g_act = field_validator("g_activation")(_registered("activation"))
    _check_d_act = field_validator("d_activation")(_registered("activation"))

    @field_validator("regularizers", mode="before")
    @classmethod
    def _regularizers_from_text(cls, value: Any) -> Any:
        """The URL and --set carry the list as text 'a,b'."""
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("regularizers")
    @classmethod
    def _known_regularizers(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in REGULARIZERS:
                raise ValueError(f"unknown regularizer {name!r}; choose from: {', '.join(REGULARIZERS)}")
        return value

    @field_validator("drawn_points", mode="before")
    @classmethod
    def _points_from_text(cls, value: Any) -> Any:
        """The URL carries the drawing as text 'x,y;x,y;...'."""
        if isinstance(value, list):  # JSON pairs arrive as lists
            return [tuple(p) if isinstance(p, list) else p for p in value]
        if not isinstance(value, str):
            return value
        points = []
        for i, pair in enumerate(p for p in value.split(";") if p.strip()):
            parts = pair.split(",")
            try:
                if len(parts) != 2:
                    raise ValueError
                points.append((float(parts[0]), float(parts[1])))
            except ValueError:
                raise ValueError(f"point {i + 1} {pair!r} is not 'x,y'") from None
        return points

    @model_validator(mode="after")
    def _check_combination(self) -> LabConfig:
        problem = combination_error(self.objective, self.regularizers)
        if problem:
            raise ValueError(problem)
        return self

    @field_validator("drawn_classes", mode="before")
    @classmethod
    def _classes_from_text(cls, value: Any) -> Any:
        """The URL carries the colours as text '0,1,1,...'."""
        if isinstance(value, str):
            try:
                return [int(v) for v in value.split(",") if v.strip()]
            except ValueError:
                raise ValueError("drawn_classes must be integers separated by commas") from None
        return value

    @field_validator("drawn_classes")
    @classmethod
    def _known_colours(cls, value: list[int]) -> list[int]:
        for i, k in enumerate(value):
            if not 0 <= k < DRAW_CLASSES:
                raise ValueError(f"point {i + 1}'s class {k} is not one of the {DRAW_CLASSES} drawing colours (0-{DRAW_CLASSES - 1})")
        return value

    @model_validator(mode="after")
    def _check_model_combination(self) -> LabConfig:
        if self.model == "gan":
            return self
        if self.drawn_classes and len(self.drawn_classes) != len(self.drawn_points):
            raise ValueError(f"drawn_classes: {len(self.drawn_classes)} classes for {len(self.drawn_points)} drawn points")
        if self.distribution == "drawn":
            p_data: object = drawn_distribution(self.drawn_points or [(0.0, 0.0)], self.drawn_classes)
        else:
            p_data = DISTRIBUTIONS.get(self.distribution)
        classes = class_mixture(p_data)
        problem = model_combination_error(self.model, self.objective, self.regularizers, classes.n_classes if classes else 0, OBJECTIVES.get(self.objective).network)
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _check_drawing(self) -> LabConfig:
        (x0, x1), (y0, y1) = DRAW_AREA
        for i, (x, y) in enumerate(self.drawn_points):
            if not (math.isfinite(x) and math.isfinite(y)):
                raise ValueError(f"drawn_points: point {i + 1} is not a finite number")
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                raise ValueError(f"drawn_points: point {i + 1} ({x:g}, {y:g}) is outside the drawing area [{x0:g}, {x1:g}] × [{y0:g}, {y1:g}]")
        if self.distribution == "drawn" and len(self.drawn_points) < MIN_DRAWN_POINTS:
            raise ValueError(
                f"distribution 'drawn' needs at least {MIN_DRAWN_POINTS} drawn points (got {len(self.drawn_points)}): draw on the 2-D canvas first"
            )
        return self

    def changed_fields(self, new: LabConfig) -> list[str]:
        """The fields whose values differ from self to `new`, in schema order."""
        return [k for k in LabConfig.model_fields if getattr(self, k) != getattr(new, k)]

    def changes_needing_reset(self, new: LabConfig) -> list[str]:
        """Fields whose change from self to `new` needs new networks (a reset); every other
        change applies to the running networks."""
        fields = [k for k in self.changed_fields(new) if (LabConfig.model_fields[k].json_schema_extra or {}).get("reset")]
        uses_mbd = "minibatch-discrimination" in self.regularizers, "minibatch-discrimination" in new.regularizers
        if uses_mbd[0] != uses_mbd[1]:
            fields.append("regularizers")
        if not any(uses_mbd):  # the kernel sizes only matter while the trick is on
            fields = [k for k in fields if k not in ("mbd_kernels", "mbd_kernel_dims")]
        models = {self.model, new.model}
        unused = set()  # a model's own settings only matter while it runs
        if "infogan" not in models:
            unused |= {"info_categories", "info_continuous"}
        if "semi-supervised" not in models:
            unused.add("labels_per_class")
        if models == {"gan"}:
            unused.add("drawn_classes")
        fields = [k for k in fields if k not in unused]
        return fields

    def updated_leniently(self, changes: dict[str, Any]) -> tuple[LabConfig, list[dict[str, str]]]:
        """A shared link's fields, as text: apply every one that validates (alone and with the
        ones kept before it) and return what was dropped, so one bad value costs only
        itself. Each dropped entry: {field, value, reason}."""
        try:  # all at once when they agree: fields that only make sense together need no order
            return self.updated(changes, strict=False), []
        except ConfigError:
            pass
        kept: dict[str, Any] = {}
        dropped: list[dict[str, str]] = []
        config = self
        # what other fields depend on first: a drawing before 'drawn', data before a model that
        # needs classes, the model before its own settings
        first = [k for k in LENIENT_ORDER if k in changes]
        for key, value in [(k, changes[k]) for k in first] + [(k, v) for k, v in changes.items() if k not in first]:
            try:
                config = self.updated({**kept, key: value}, strict=False)
            except ConfigError as err:
                reasons = [msg for field, msg in err.problems if field in (key, None)] or [str(err)]
                dropped.append({"field": str(key), "value": str(value)[:200], "reason": "; ".join(reasons)})
                continue
            kept[key] = value
        return config, dropped

    def updated(self, changes: dict[str, Any], *, strict: bool = True) -> LabConfig:
        """A new config with `changes` applied, validated as a whole; raises ConfigError."""
        if not isinstance(changes, dict):
            raise ConfigError("config must be an object of field: value pairs")
        merged = self.model_dump() | changes
        return validate_config(merged, strict=strict)


LENIENT_ORDER = ("drawn_points", "drawn_classes", "distribution", "model")


def _config_error(err: ValidationError) -> ConfigError:
    parts, problems = [], []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "config"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = f"unknown setting; known settings: {', '.join(LabConfig.model_fields)}"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        elif msg.startswith("Input should be "):  # pydantic's words, in a student's
            msg = "must be " + msg[len("Input should be ") :]
        parts.append(f"{loc}: {msg}" if e["loc"] else msg)
        problems.append((str(e["loc"][0]) if e["loc"] else None, msg))
    return ConfigError("; ".join(parts), problems)


def validate_config(data: Any, *, strict: bool = True) -> LabConfig:
    """Validate a whole config. strict=True (websocket, JSON files) refuses "5" for 5;
    strict=False (URL, CLI strings) parses text into numbers."""
    if not isinstance(data, dict):
        raise ConfigError("config must be an object of field: value pairs")
    for key, value in data.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{key}: must be a finite number, not {value}", [(key, f"must be a finite number, not {value}")])
        if strict and isinstance(value, bool):
            raise ConfigError(f"{key}: expected {_type_name(key)}, got true/false", [(key, f"expected {_type_name(key)}, got true/false")])
    try:
        return LabConfig.model_validate(data, strict=strict)
    except ValidationError as err:
        raise _config_error(err) from None


def _type_name(key: str) -> str:
    field = LabConfig.model_fields.get(key)
    names = {int: "an integer", float: "a number", str: "a name"}
    return names.get(field.annotation, "a value") if field else "a value"


def parse_assignments(base: LabConfig, assignments: list[str]) -> LabConfig:
    """Apply CLI-style `key=value` strings (the CLI's --set) through the same validation."""
    changes: dict[str, Any] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects key=value, got {item!r}")
        changes[key.strip()] = value.strip()
    return base.updated(changes, strict=False)


def config_schema() -> dict[str, Any]:
    """JSON schema of LabConfig with each registry-backed field's allowed names as an enum."""
    schema = LabConfig.model_json_schema()
    for field, reg in REGISTRY_FIELDS.items():
        registry = {"distribution": DISTRIBUTIONS, "prior": PRIORS, "objective": OBJECTIVES, "activation": ACTIVATIONS, "model": MODELS}[reg]
        schema["properties"][field]["enum"] = registry.names()
    schema["properties"]["regularizers"]["items"]["enum"] = REGULARIZERS.names()
    return schema


def load_config_file(path: str) -> LabConfig:
    """A saved run (or a bare config) from JSON; the 'config' key is used when present."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path} is not valid JSON: {err}") from None
    if isinstance(data, dict) and isinstance(data.get("config"), dict):
        data = data["config"]
    return validate_config(data)
