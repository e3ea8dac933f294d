"""What the views draw for the models beyond the plain GAN (gan_core.models), beside the
layers every frame has: the class of each real dot, the class or code each fake was drawn
with, the semi-supervised classifier's decision regions (and its labelled-only twin's), the
labelled points, InfoGAN's walk along the first continuous code, and the model's metrics.
For the plain GAN every one of these is absent (None)."""

from __future__ import annotations

import numpy as np
import torch

from gan_core.trainer import Trainer

WALK_STEPS = 21  # values of c′₁ from −1 to 1
WALK_POINTS = 6  # fixed noise points per code along the walk
WALK_SEED = 65537

MODEL_SCALARS = ("class_accuracy_min", "class_accuracy_mean", "code_nmi", "test_accuracy", "labelled_only_accuracy")


def model_metrics(trainer: Trainer) -> tuple[dict[str, float | None], np.ndarray | None]:
    """The model's scalars (every name in MODEL_SCALARS, None where it does not apply) and
    cgan's per-class accuracy as an array."""
    scalars: dict[str, float | None] = dict.fromkeys(MODEL_SCALARS)
    if trainer.runtime is None:
        return scalars, None
    found = trainer.runtime.metrics(trainer)
    per_class = found.pop("class_accuracy", None)
    scalars.update({k: v for k, v in found.items() if k in scalars})  # type: ignore[misc]
    return scalars, None if per_class is None else np.asarray(per_class, dtype=np.float32)


def fake_labels(trainer: Trainer, n: int) -> torch.Tensor | None:
    """The class (cgan) or code (infogan) of each of n probe fakes: the class shown, else every
    class in turn. None for models without one."""
    rt = trainer.runtime
    if rt is None or rt.model not in ("cgan", "infogan"):
        return None
    shown = rt.shown_class(trainer.config.show_class)
    return torch.full((n,), shown, dtype=torch.long) if shown >= 0 else rt.default_labels(n)


def real_labels(trainer: Trainer, real: torch.Tensor) -> np.ndarray | None:
    """The class of each real dot (its nearest component's), where the data has classes and
    the model uses them."""
    if trainer.runtime is None or trainer.classes is None:
        return None
    return trainer.runtime.nearest_labels(real).float().numpy()


def shows_mesh(trainer: Trainer) -> bool:
    """G's mesh is one G(·, y): drawn for cgan only when one class is shown; never for InfoGAN
    (its code walk takes its place)."""
    rt = trainer.runtime
    if rt is None or rt.model == "semi-supervised":
        return True
    return rt.shown_class(trainer.config.show_class) >= 0


@torch.no_grad()
def classifier_layers(trainer: Trainer, x: torch.Tensor) -> dict[str, np.ndarray] | None:
    """The semi-supervised D's class at each probe point, its confidence (the largest class
    probability among the K real classes) and the labelled-only baseline's class."""
    rt = trainer.runtime
    if rt is None or rt.model != "semi-supervised":
        return None
    logits = rt.class_logits(trainer, x)
    prob = torch.softmax(logits, -1)
    return {
        "d": logits.argmax(-1).float().numpy(),
        "confidence": prob.max(-1).values.float().numpy(),
        "baseline": rt.class_logits(trainer, x, baseline=True).argmax(-1).float().numpy(),
    }


def labelled_points(trainer: Trainer) -> dict[str, np.ndarray] | None:
    rt = trainer.runtime
    if rt is None or rt.labelled is None:
        return None
    x, y = rt.labelled
    return {"xy": x.cpu().numpy().ravel(), "labels": y.cpu().float().numpy()}


@torch.no_grad()
def code_walk(trainer: Trainer) -> dict | None:
    """InfoGAN: G(z, c, c′) as c′₁ walks from −1 to 1 (other continuous codes at 0), for
    WALK_POINTS fixed z per code: the page's slider picks the step, so moving it costs no
    round trip. None without a continuous code."""
    rt = trainer.runtime
    if rt is None or rt.model != "infogan" or rt.continuous < 1:
        return None
    k, steps, points = rt.categories, WALK_STEPS, WALK_POINTS
    z = trainer.prior.sample(points, trainer.config.noise_dim, torch.Generator().manual_seed(trainer.config.seed + WALK_SEED))
    codes = torch.arange(k).repeat_interleave(steps * points)
    t = torch.linspace(-1.0, 1.0, steps).repeat_interleave(points).repeat(k)
    cont = torch.zeros(len(codes), rt.continuous)
    cont[:, 0] = t
    zz = z.repeat(k * steps, 1)
    x = trainer.settings.generator(trainer.g_params, rt.latent(zz, codes, cont).to(trainer.device)).cpu()
    return {"codes": k, "steps": steps, "points": points, "xy": x.numpy().ravel(), "values": [-1.0, 1.0]}


def model_header(trainer: Trainer) -> dict[str, object]:
    """The small fields: which model, how many classes (or codes), which class is shown."""
    rt = trainer.runtime
    return {
        "model": trainer.config.model,
        "n_classes": rt.categories if rt is not None and rt.model == "infogan" else (trainer.classes.n_classes if trainer.classes is not None and rt is not None else 0),
        "show_class": rt.shown_class(trainer.config.show_class) if rt is not None else -1,
    }
