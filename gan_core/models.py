"""GAN models beyond the plain one: what G and D see and output, and their updates.

- `gan`: the paper's G(z) and D(x) (gan_core.trainer's own update functions; stacked).
- `cgan` (Mirza & Osindero 2014): the label y, one-hot, is fed to both networks: G(z, y) and
  D(x, y). D learns "real and of class y"; G learns to draw the class it is asked for.
- `infogan` (Chen et al. 2016): G(z, c) with a categorical code c (K values) and optional
  continuous codes c' ~ U(−1, 1); an auxiliary head Q on D's last hidden layer predicts c and
  c' from a fake; both G and Q minimise λ·L_I, L_I = CE(Q_cat, c) + ½‖c' − Q_cont‖² (a lower
  bound on −I(c; G(z, c)) up to the constant H(c)). No labels are used: the codes find the
  classes by themselves, or not.
- `semi-supervised` (Salimans et al. 2016, §5): D outputs K logits l(x); "fake" is a K+1-th
  class with logit fixed at 0, so D(real) = Z/(Z + 1) with Z = Σ exp l_k, whose logit is
  logsumexp(l). D's loss is the supervised cross-entropy on the n labelled points per class
  plus the GAN loss on logsumexp(l); G uses the GAN loss or, as in the paper, feature matching.
  Beside it, the same classifier (same initial weights, same optimizer) is trained on the
  labelled points alone: the baseline the GAN must beat.

Each model is one registry entry; the page lists what MODELS holds, with the settings each
uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F

from gan_core import optim
from gan_core.labels import ClassMixture, normalised_mutual_information, one_hot
from gan_core.networks import Params, discriminator_head, init_mlp
from gan_core.registry import Registry
from gan_core.regularizers import gradient_penalty, r1_penalty

if TYPE_CHECKING:
    from gan_core.trainer import Trainer

MODEL_REGULARIZERS = ("gradient-penalty-r1", "one-sided-label-smoothing", "instance-noise", "feature-matching")


@dataclass(frozen=True)
class Model:
    name: str
    title: str
    description: str
    needs_classes: bool = False  # trains on labelled data
    settings: tuple[str, ...] = ()  # the config fields it uses (the page shows them with it)
    regularizers: tuple[str, ...] | None = None  # the tricks it supports (None: all)
    objectives: tuple[str, ...] | None = None  # None: any objective with a second network

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "needs_classes": self.needs_classes,
            "settings": list(self.settings),
            "regularizers": None if self.regularizers is None else list(self.regularizers),
            "objectives": None if self.objectives is None else list(self.objectives),
        }


MODELS: Registry[Model] = Registry("model")
for _m in (
    Model("gan", "GAN", "The paper's GAN: G(z) against D(x)."),
    Model(
        "cgan",
        "Conditional GAN",
        "The class label is fed to G and D (Mirza & Osindero 2014): ask G for a class and it draws that class.",
        needs_classes=True,
        settings=("show_class",),
        regularizers=MODEL_REGULARIZERS,
    ),
    Model(
        "infogan",
        "InfoGAN",
        "G gets a categorical code (and continuous codes); a head Q on D must read them back from the fake (Chen et al. 2016). No labels: the code finds the classes by itself.",
        settings=("info_categories", "info_continuous", "info_weight"),
        regularizers=MODEL_REGULARIZERS,
    ),
    Model(
        "semi-supervised",
        "Semi-supervised GAN",
        "D is a K+1-way classifier (K classes + fake) trained on a few labelled points, the unlabelled data and G's fakes (Salimans et al. 2016).",
        needs_classes=True,
        settings=("labels_per_class",),
        regularizers=("gradient-penalty-r1", "one-sided-label-smoothing", "instance-noise", "feature-matching"),
        objectives=("non-saturating", "minimax"),
    ),
):
    MODELS.register(_m.name, _m)


def combination_error(model: str, objective: str, regularizers: list[str], n_classes: int, network: str) -> str | None:
    """Why this model cannot run with these settings (a message naming them), or None."""
    m = MODELS.get(model)
    if m.name == "gan":
        return None
    if m.needs_classes and n_classes < 2:
        return f"model: {m.title} needs data with classes (ring, ring-wide, grid, clusters, moons, bimodal, or a drawing in two or more colours)"
    if network == "none":
        return f"model: {m.title} needs a discriminator; the objective {objective} has none"
    if m.objectives is not None and objective not in m.objectives:
        return f"objective: {m.title} trains D as a K+1-way classifier, whose GAN loss is {' or '.join(m.objectives)}; {objective} does not apply"
    if m.regularizers is not None:
        bad = [r for r in regularizers if r not in m.regularizers]
        if bad:
            return f"regularizers: {m.title} supports {', '.join(m.regularizers)}; not {', '.join(bad)}"
    return None


# -- shapes ----------------------------------------------------------------------------------
def generator_inputs(model: str, noise_dim: int, n_classes: int, categories: int, continuous: int) -> int:
    if model == "cgan":
        return noise_dim + n_classes
    if model == "infogan":
        return noise_dim + categories + continuous
    return noise_dim


def discriminator_io(model: str, dim: int, n_classes: int) -> tuple[int, int]:
    """(inputs, outputs) of the second network."""
    if model == "cgan":
        return dim + n_classes, 1
    if model == "semi-supervised":
        return dim, n_classes
    return dim, 1


def init_q_head(features: int, categories: int, continuous: int, gen: torch.Generator) -> Params:
    return init_mlp([features, categories + continuous], gen)


# -- per-model state and updates ---------------------------------------------------------------
class ModelRuntime:
    """What a Trainer running a model other than `gan` keeps besides G and D: the classes of
    p_data, InfoGAN's Q head, the semi-supervised labelled set, test set and baseline, and the
    fixed samples the model's metrics use. Its update methods return what Trainer._commit
    takes, so divergence is handled as for the plain GAN."""

    LABELLED_SEED, TEST_SEED, METRIC_SEED, CODE_SEED = 4243, 31337, 7817, 99991
    TEST_POINTS = 2000
    CLASS_SAMPLES = 200  # generated per class for the per-class accuracy
    CODE_SAMPLES = 250  # generated per code for the NMI

    def __init__(self, trainer: Trainer, classes: ClassMixture | None) -> None:
        c = trainer.config
        self.model = c.model
        self.classes = classes
        self.n_classes = classes.n_classes if classes is not None else 0
        self.categories = c.info_categories if c.model == "infogan" else 0
        self.continuous = c.info_continuous if c.model == "infogan" else 0
        self.noise_dim = c.noise_dim
        self._codes: dict[int, torch.Tensor] = {}
        self.q_params: Params = ()
        self.labelled: tuple[torch.Tensor, torch.Tensor] | None = None
        self.test: tuple[torch.Tensor, torch.Tensor] | None = None
        self.baseline: Params = ()
        self.baseline_state: optim.OptState = ()
        if c.model == "semi-supervised":
            assert classes is not None
            gen = torch.Generator().manual_seed(c.seed + self.LABELLED_SEED)
            xs = [classes.sample_class(c.labels_per_class, k, gen) for k in range(self.n_classes)]
            ys = [torch.full((c.labels_per_class,), k, dtype=torch.long) for k in range(self.n_classes)]
            self.labelled = (torch.cat(xs).to(trainer.device), torch.cat(ys).to(trainer.device))
            x_test, y_test = classes.sample(self.TEST_POINTS, torch.Generator().manual_seed(c.seed + self.TEST_SEED))
            self.test = (x_test.to(trainer.device), y_test.to(trainer.device))
            self.baseline = tuple(p.clone() for p in trainer.d_params)  # same start as D
            self.baseline_state = optim.init_state(self.baseline)
        self._nearest: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    # -- the generator's input -----------------------------------------------------------
    def default_labels(self, n: int) -> torch.Tensor:
        """Classes (or codes) cycling 0, 1, ..., K−1: every class equally often."""
        k = self.n_classes if self.model == "cgan" else self.categories
        return torch.arange(n) % max(k, 1)

    def fixed_continuous(self, n: int) -> torch.Tensor:
        """InfoGAN's continuous codes for n probe points: fixed, so dots do not flicker."""
        if n not in self._codes:
            self._codes[n] = torch.rand(n, self.continuous, generator=torch.Generator().manual_seed(self.CODE_SEED + n)) * 2 - 1
        return self._codes[n]

    def latent(self, z: torch.Tensor, labels: torch.Tensor | None = None, continuous: torch.Tensor | None = None) -> torch.Tensor:
        """G's input for noise z: z with the class or code (default: cycling) appended."""
        if self.model not in ("cgan", "infogan") or z.shape[-1] != self.noise_dim:
            return z
        labels = self.default_labels(len(z)) if labels is None else labels
        if self.model == "cgan":
            return torch.cat([z, one_hot(labels, self.n_classes).to(z)], -1)
        parts = [z, one_hot(labels, self.categories).to(z)]
        if self.continuous:
            parts.append((self.fixed_continuous(len(z)) if continuous is None else continuous).to(z))
        return torch.cat(parts, -1)

    def sample_labels(self, n: int, gen: torch.Generator) -> torch.Tensor:
        assert self.classes is not None
        return torch.multinomial(torch.as_tensor(self.classes.class_weights()), n, replacement=True, generator=gen)

    def sample_codes(self, n: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        cat = torch.randint(self.categories, (n,), generator=gen)
        cont = torch.rand(n, self.continuous, generator=gen) * 2 - 1
        return cat, cont

    # -- the second network's input and output --------------------------------------------
    def d_input(self, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.model != "cgan":
            return x
        assert labels is not None
        return torch.cat([x, one_hot(labels, self.n_classes).to(x)], -1)

    def shown_class(self, show_class: int) -> int:
        """cgan's class shown, or −1 for all (also when the setting names no class of this
        data: a link's show_class=9 on two moons shows them all)."""
        return show_class if self.model == "cgan" and 0 <= show_class < self.n_classes else -1

    def nearest_labels(self, x: torch.Tensor) -> torch.Tensor:
        """The class of each point's nearest component. The probes ask about the same fixed
        points (heatmap cells, real dots) every frame: each tensor's answer is kept."""
        hit = self._nearest.get(id(x))
        if hit is None or hit[0] is not x:
            assert self.classes is not None
            if len(self._nearest) >= 8:
                self._nearest.clear()
            hit = self._nearest[id(x)] = (x, torch.as_tensor(self.classes.nearest_class(x.detach().cpu().numpy())))
        return hit[1]

    def probe_labels(self, x: torch.Tensor, show_class: int) -> torch.Tensor | None:
        """The class D is asked about at probe points: the one shown, else the class of the
        nearest component (D's verdict for the class that lives there)."""
        if self.model != "cgan":
            return None
        shown = self.shown_class(show_class)
        return torch.full((len(x),), shown, dtype=torch.long) if shown >= 0 else self.nearest_labels(x)

    @staticmethod
    def realness(out: torch.Tensor) -> torch.Tensor:
        """The semi-supervised D's real-vs-fake logit: logsumexp of its K class logits."""
        return torch.logsumexp(out, -1, keepdim=True)

    # -- updates ----------------------------------------------------------------------------
    def discriminator_update(self, t: Trainer) -> tuple[Params, optim.OptState, list[float]]:
        """One step of D (and InfoGAN's Q, and the semi-supervised baseline). Returns D's
        params, its optimizer state and (loss_d, D(real), D(fake))."""
        s, c, m = t.settings, t.config, t.config.batch_size
        gen = t.gen
        labels = None
        if self.model == "cgan":
            assert self.classes is not None
            x_real, labels = self.classes.sample(m, gen)
            z = t.prior.sample(m, c.noise_dim, gen)
            g_in = self.latent(z, labels)
        else:
            x_real = t.p_data.sample(m, gen)
            z = t.prior.sample(m, c.noise_dim, gen)
            if self.model == "infogan":
                codes, cont = self.sample_codes(m, gen)
                g_in = self.latent(z, codes, cont)
            else:
                g_in = z
        dev = t.device  # drawn on the CPU from the run's generator, like the plain GAN's batches
        x_real, g_in, labels = _to(dev, x_real), _to(dev, g_in), _to(dev, labels)
        if self.model == "infogan":
            codes, cont = _to(dev, codes), _to(dev, cont)
        with torch.no_grad():
            x_fake = s.generator(t.g_params, g_in)
        sigma = t.instance_noise_std
        if sigma > 0:
            x_real = x_real + _to(dev, sigma * torch.randn(x_real.shape, generator=gen))
            x_fake = x_fake + _to(dev, sigma * torch.randn(x_fake.shape, generator=gen))
        dp = tuple(p.detach().requires_grad_() for p in t.d_params)
        qp = tuple(p.detach().requires_grad_() for p in self.q_params)
        if s.regs.r1:
            x_real = x_real.detach().requires_grad_()
        real_out = s.discriminator(dp, self.d_input(x_real, labels))
        h_fake = s.features(dp, self.d_input(x_fake, labels))  # InfoGAN's Q reads them too
        fake_out = discriminator_head(dp, h_fake, False)
        if self.model == "semi-supervised":
            real_logit, fake_logit = self.realness(real_out), self.realness(fake_out)
        else:
            real_logit, fake_logit = real_out, fake_out
        loss = s.objective.d_loss(real_logit, fake_logit, s.real_target)  # type: ignore[misc]
        if self.model == "semi-supervised":
            assert self.labelled is not None
            x_lab, y_lab = self.labelled
            loss = loss + F.cross_entropy(s.discriminator(dp, x_lab), y_lab)
        if self.model == "infogan":
            loss = loss + c.info_weight * self.info_loss(qp, h_fake, codes, cont)
        if s.objective.gradient_penalty and s.gp_weight > 0:
            eps = _to(dev, torch.rand(m, 1, generator=gen))
            x_hat = (eps * x_real.detach() + (1 - eps) * x_fake).requires_grad_()
            (grad,) = torch.autograd.grad(s.discriminator(dp, self.d_input(x_hat, labels)).sum(), x_hat, create_graph=True)
            loss = loss + s.gp_weight * gradient_penalty(grad)
        if s.regs.r1 and s.r1_gamma > 0:
            (grad,) = torch.autograd.grad(real_logit.sum(), x_real, create_graph=True)
            loss = loss + 0.5 * s.r1_gamma * r1_penalty(grad)
        grads = torch.autograd.grad(loss, dp + qp)
        params, state = optim.update(t.d_params + self.q_params, grads, t.d_state, s.d_opt, t.lr_scale)
        if s.objective.clip_weights:
            params = tuple(p.clamp(-s.clip_value, s.clip_value) for p in params)
        n_d = len(t.d_params)
        self._pending_q = params[n_d:]
        if self.model == "semi-supervised":
            self._baseline_update(t)
        with torch.no_grad():
            stats = [float(loss.detach()), float(s.mean_output(real_logit.detach())), float(s.mean_output(fake_logit.detach()))]
        return params[:n_d], state, stats

    def commit_q(self) -> None:
        """Keep the Q head's update (after D's was kept)."""
        self.q_params = self._pending_q

    def info_loss(self, qp: Params, h_fake: torch.Tensor, codes: torch.Tensor, cont: torch.Tensor) -> torch.Tensor:
        """L_I = CE(Q_cat(x), c) + ½ E‖c' − Q_cont(x)‖²: how badly Q reads the codes back."""
        q = F.linear(h_fake, qp[0], qp[1])
        loss = F.cross_entropy(q[:, : self.categories], codes)
        if self.continuous:
            loss = loss + 0.5 * (q[:, self.categories :] - cont).square().sum(1).mean()
        return loss

    def _baseline_update(self, t: Trainer) -> None:
        """The labelled-only classifier: one cross-entropy step per D step, D's optimizer."""
        assert self.labelled is not None
        x_lab, y_lab = self.labelled
        bp = tuple(p.detach().requires_grad_() for p in self.baseline)
        loss = F.cross_entropy(t.settings.discriminator(bp, x_lab), y_lab)
        grads = torch.autograd.grad(loss, bp)
        new, state = optim.update(self.baseline, grads, self.baseline_state, t.settings.d_opt, t.lr_scale)
        if all(bool(torch.isfinite(p).all()) for p in new):
            self.baseline, self.baseline_state = new, state

    def generator_update(self, t: Trainer) -> tuple[Params, optim.OptState, list[float]]:
        """One step of G (InfoGAN: with λ·L_I, Q held fixed). Returns G's params, state and
        (loss_g, D(fake), ‖∇θ loss_g‖)."""
        s, c, m = t.settings, t.config, t.config.batch_size
        gen = t.gen
        z = t.prior.sample(m, c.noise_dim, gen)
        labels = codes = cont = None
        if self.model == "cgan":
            labels = self.sample_labels(m, gen)
            g_in = self.latent(z, labels)
        elif self.model == "infogan":
            codes, cont = self.sample_codes(m, gen)
            g_in = self.latent(z, codes, cont)
        else:
            g_in = z
        needs_real = s.objective.g_needs_real or s.regs.feature_matching
        x_real = real_labels = None
        if needs_real:
            if self.model == "cgan":
                assert self.classes is not None
                x_real, real_labels = self.classes.sample(m, gen)
            else:
                x_real = t.p_data.sample(m, gen)
        dev = t.device
        g_in, labels, codes, cont = _to(dev, g_in), _to(dev, labels), _to(dev, codes), _to(dev, cont)
        x_real, real_labels = _to(dev, x_real), _to(dev, real_labels)
        gp = tuple(p.detach().requires_grad_() for p in t.g_params)
        x_fake = s.generator(gp, g_in)
        sigma = t.instance_noise_std
        if sigma > 0:
            x_fake = x_fake + _to(dev, sigma * torch.randn(x_fake.shape, generator=gen))
            if x_real is not None:
                x_real = x_real + _to(dev, sigma * torch.randn(x_real.shape, generator=gen))
        h_fake = s.features(t.d_params, self.d_input(x_fake, labels))  # D's head and InfoGAN's Q read them
        loss, fake_mean = self.generator_loss(t.d_params, h_fake, x_real, real_labels, t)
        if self.model == "infogan":
            loss = loss + c.info_weight * self.info_loss(self.q_params, h_fake, codes, cont)  # type: ignore[arg-type]
        grads = torch.autograd.grad(loss, gp)
        params, state = optim.update(t.g_params, grads, t.g_state, s.g_opt, t.lr_scale)
        with torch.no_grad():
            norm = float(torch.sqrt(sum(g.square().sum() for g in grads)))  # type: ignore[arg-type]
        return params, state, [float(loss.detach()), fake_mean, norm]

    def generator_loss(
        self, d_params: Params, h_fake: torch.Tensor, x_real: torch.Tensor | None, real_labels: torch.Tensor | None, t: Trainer
    ) -> tuple[torch.Tensor, float]:
        """G's loss from D's last hidden layer on its samples (`h_fake`, differentiable in them,
        labels already fed in) and D's mean verdict on them."""
        s = t.settings

        def verdict(out: torch.Tensor) -> torch.Tensor:
            return self.realness(out) if self.model == "semi-supervised" else out

        if s.regs.feature_matching:
            assert x_real is not None
            with torch.no_grad():
                h_real = s.features(d_params, self.d_input(x_real, real_labels))
                fake_mean = float(s.mean_output(verdict(discriminator_head(d_params, h_fake.detach(), False))))
            return (h_real.mean(0) - h_fake.mean(0)).square().sum(), fake_mean
        fake_out = verdict(discriminator_head(d_params, h_fake, False))
        real_out = None
        if s.objective.g_needs_real:
            assert x_real is not None
            with torch.no_grad():
                real_out = verdict(s.discriminator(d_params, self.d_input(x_real, real_labels)))
        loss = s.objective.g_loss(fake_out, real_out)  # type: ignore[misc,arg-type]
        return loss, float(s.mean_output(fake_out.detach()))

    # -- probes -----------------------------------------------------------------------------
    def logit(self, t: Trainer, x: torch.Tensor) -> torch.Tensor:
        """D's real-vs-fake logit (or score) at probe points."""
        out = t.settings.discriminator(t.d_params, self.d_input(x, self.probe_labels(x, t.config.show_class)))
        return self.realness(out) if self.model == "semi-supervised" else out

    def push(self, t: Trainer, x_fake: torch.Tensor, labels: torch.Tensor | None, x_real: torch.Tensor) -> torch.Tensor:
        """−∇ₓ of G's loss at each fake sample (times the batch size), for the view's arrows."""
        x = x_fake.detach().clone().requires_grad_(True)
        real_labels = None
        if self.model == "cgan":
            assert self.classes is not None
            labels = self.default_labels(len(x)) if labels is None else labels
            real_labels = self.nearest_labels(x_real)
        with torch.enable_grad():
            h_fake = t.settings.features(t.d_params, self.d_input(x, labels))
            loss, _ = self.generator_loss(t.d_params, h_fake, x_real, real_labels, t)
            (grad,) = torch.autograd.grad(loss * len(x), x)
        return -grad

    @torch.no_grad()
    def class_logits(self, t: Trainer, x: torch.Tensor, baseline: bool = False) -> torch.Tensor:
        """The semi-supervised classifier's K logits (or the labelled-only baseline's), on the CPU."""
        return t.settings.discriminator(self.baseline if baseline else t.d_params, x.to(t.device)).cpu()

    @torch.no_grad()
    def metrics(self, t: Trainer) -> dict[str, object]:
        """cgan: per-class accuracy (the share of samples generated for class y within 3σ of
        one of y's components); infogan: NMI between code and nearest class; semi-supervised:
        test accuracy of D and of the labelled-only baseline on held-out points."""
        out: dict[str, object] = {}
        gen = torch.Generator().manual_seed(t.config.seed + self.METRIC_SEED)
        if self.model == "cgan":
            assert self.classes is not None
            n = self.CLASS_SAMPLES
            z = t.prior.sample(n * self.n_classes, t.config.noise_dim, gen)
            labels = torch.arange(self.n_classes).repeat_interleave(n)
            x = t.settings.generator(t.g_params, self.latent(z, labels).to(t.device)).cpu().numpy()
            acc = [float(self.classes.lands_on(x[k * n : (k + 1) * n], k).mean()) for k in range(self.n_classes)]
            out.update(class_accuracy=acc, class_accuracy_min=min(acc), class_accuracy_mean=float(np.mean(acc)))
        elif self.model == "infogan":
            n = self.CODE_SAMPLES * self.categories
            z = t.prior.sample(n, t.config.noise_dim, gen)
            codes = torch.arange(n) % self.categories
            cont = torch.rand(n, self.continuous, generator=gen) * 2 - 1
            x = t.settings.generator(t.g_params, self.latent(z, codes, cont).to(t.device)).cpu().numpy()
            if self.classes is not None:
                out["code_nmi"] = normalised_mutual_information(codes.numpy(), self.classes.nearest_class(x))
            else:
                out["code_nmi"] = None
        elif self.model == "semi-supervised":
            assert self.test is not None
            x_test, y_test = self.test
            y = y_test.cpu()
            out["test_accuracy"] = float((self.class_logits(t, x_test).argmax(1) == y).float().mean())
            out["labelled_only_accuracy"] = float((self.class_logits(t, x_test, baseline=True).argmax(1) == y).float().mean())
        return out


def _to(device: torch.device, x: torch.Tensor | None) -> torch.Tensor | None:
    """x on the run's device (no copy on the CPU, where batches are drawn)."""
    return x if x is None or device.type == "cpu" else x.to(device)
