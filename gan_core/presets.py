"""Named experiments: each is a LabConfig instance plus a sentence on what it shows."""

from __future__ import annotations

from dataclasses import dataclass

from gan_core.config import LabConfig
from gan_core.registry import Registry


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    description: str
    config: LabConfig
    watch: str = ""  # 2–4 sentences shown in the page: what to watch


PRESETS: Registry[Preset] = Registry("preset")


def _add(name: str, title: str, description: str, watch: str = "", **fields: object) -> None:
    PRESETS.register(name, Preset(name, title, description, LabConfig(**fields), watch))


# Figure 1 with the paper's noise: z one-dimensional and uniform, so the lines from z to x
# drawn under the figure are G itself. On LabConfig's defaults (N(4, 0.5²) data, k = 1, D 2×64,
# G 2×32, lr_g 5e-4 < lr_d 2e-3) G stayed a tilted box (JS ≈ 0.055 at 5,000 iterations, the
# best box is 0.046); a search (docs/measurements.md) found:
# - a tanh G bends the noise line into a bell far more easily than an ELU G (JS 0.026-0.039);
# - Adam β = (0, 0.9), as WGAN-GP and TTUR use, and a leaky-ReLU D (sharper slopes to follow);
# - a learning-rate half-life of 2,000 calms the late wobble; batch 64 is as good and faster.
# Seeds 0-9 at 5,000 iterations: JS 0.020-0.029 nats, mean D(real) 0.488-0.526, at the cost
# per iteration of the old 2-D-noise preset (k = 1).
_FIGURE1 = dict(noise_dim=1, g_activation="tanh", d_activation="leaky_relu", beta1=0.0, beta2=0.9, lr_halflife=2000, batch_size=64)
_add(
    "figure1",
    "Figure 1 (paper)",
    "The paper's setting: a Gaussian bump, 1-D uniform noise, k = 1. Converges to D(x) = 1/2.",
    "The lines from z to x are G: where they bunch up, p_g is dense. Watch D (blue) rise where p_data beats p_g "
    "and G's lines slide uphill towards it, until p_g covers the bump and D flattens at ½. The Figure 1 tour "
    "records the paper's four panels from this run.",
    **_FIGURE1,
)
_add(
    "minimax",
    "Saturating minimax",
    "Same as Figure 1 with the minimax generator loss of eq. 1: early on its gradient vanishes.",
    **(_FIGURE1 | {"objective": "minimax"}),
)
_add(
    "bimodal",
    "Two bumps",
    "A two-mode target: G must split its noise line in two, or collapse onto one bump.",
    distribution="bimodal",
    g_width=64,
    d_width=64,
)
_add(
    "skewed",
    "Skewed data",
    "A log-normal target with a long right tail, from normal noise.",
    distribution="lognormal",
    prior="normal",
)
_add(
    "strong-d",
    "Too many D steps",
    "k = 10 discriminator steps per generator step and a saturating G loss: D wins, G stalls.",
    objective="minimax",
    d_steps=10,
    lr_d=3e-3,
)


def get_preset(name: str) -> Preset:
    return PRESETS.get(name)


# -- 2-D presets --------------------------------------------------------------------------
# The benchmark setting of the literature's toy experiments: non-saturating GAN, 3×128 ReLU
# in G and D, 2-D normal noise, batch 256, Adam β = (0.5, 0.9), lr 1e-3. Alone it oscillates
# between covering all modes and collapsing onto a few (docs/measurements.md); halving both
# learning rates every 2,500 iterations lets it settle once it has found every mode. The
# model is never told how many modes there are or where.
_BENCHMARK = dict(
    prior="normal",
    noise_dim=2,
    objective="non-saturating",
    batch_size=256,
    optimizer="adam",
    beta1=0.5,
    beta2=0.9,
    g_layers=3,
    g_width=128,
    g_activation="relu",
    d_layers=3,
    d_width=128,
    d_activation="relu",
    lr_g=1e-3,
    lr_d=1e-3,
    lr_halflife=2500,
)
# The benchmark alone reached 8/8 on some seeds only (seed 0 of the current engine: 7/8 at
# 10,000; one of seeds 0/1/5/7 dropped a mode before the learning rates shrank). An R1 penalty
# of γ = 0.1 on D (Mescheder et al. 2018: it damps the circling around the equilibrium) gave
# 8/8 with HQ 0.915-0.974 on seeds 0-9 (docs/measurements.md), for ~15 % more time per step.
_add(
    "ring",
    "Ring of 8 (benchmark)",
    "8 sharp Gaussians on a circle: the mode-collapse benchmark. Watch modes_covered reach 8/8.",
    "The benchmark networks with a small R1 penalty on D (γ = 0.1) and halving learning rates: G spreads over the "
    "ring and modes covered climbs to 8/8 and stays. The penalty keeps D from being steep on the data, so the map "
    "stays near white (D ≈ ½) on the modes and green only where G's stray samples are. Untick R1 penalty while it "
    "plays to see the plain GAN start hopping between modes.",
    distribution="ring",
    regularizers=["gradient-penalty-r1"],
    r1_gamma=0.1,
    **_BENCHMARK,
)
# 25 modes need longer exploring before the learning rates shrink (half-life 5,000) and a
# larger batch so each D update sees every mode: more modes than the plain benchmark's
# setting at a far higher quality (docs/measurements.md).
_add(
    "grid",
    "Grid of 25 (benchmark)",
    "25 sharp Gaussians on a 5×5 grid with the benchmark networks.",
    distribution="grid",
    **(_BENCHMARK | {"batch_size": 512, "lr_halflife": 5000}),
)
# GAN Lab's default workload: a 2-D Gaussian mixture, G and D with one hidden layer of 8,
# 2-D Gaussian noise, batch 150, plain SGD, 2 D steps per iteration. tanh units: with ReLU
# these 8-unit networks kept dropping a cluster (JS ≈ 0.5 nats after 4,000 iterations).
_add(
    "gaussians",
    "Two Gaussians (GAN Lab default)",
    "GAN Lab's default: two clusters, tiny networks (1 layer of 8), SGD, 2 D steps per iteration.",
    distribution="clusters",
    prior="normal",
    noise_dim=2,
    batch_size=150,
    optimizer="sgd",
    momentum=0.0,
    d_steps=2,
    g_layers=1,
    g_width=8,
    g_activation="tanh",
    d_layers=1,
    d_width=8,
    d_activation="tanh",
    lr_g=0.05,
    lr_d=0.05,
    lr_halflife=0,
)


# -- the GAN zoo: teaching presets (docs/zoo.md has the measured table) ------------------------
# Each opens the lab on one problem or one fix, with what to watch. The 2-D ones share the
# ring benchmark's networks so that the only difference a class sees is the objective or trick.
_RING = _BENCHMARK | {"distribution": "ring"}
_add(
    "saturation",
    "Saturation: minimax vs non-saturating",
    "The minimax generator loss from a bad start: D wins and G's gradient vanishes.",
    "G starts far from the data and D learns fast (k = 5), so D(G(z)) ≈ 0 and log(1 − D(G(z))) is flat: "
    "the ‖∇G‖ chart falls towards zero and p_g hardly moves. While it plays, switch Objective to "
    "non-saturating: the gradient comes back at once (−log D(G(z)) is steep where D rejects) and p_g heads for the data.",
    objective="minimax",
    noise_dim=1,
    d_steps=5,
    lr_d=3e-3,
    lr_halflife=0,
)
# A small λ (0.1, as in WGAN-GP's own 2-D toy code): in 1-D, λ = 10 makes a critic that
# slopes up past the data unable to turn round (|C′| must pass 0, where the penalty is λ), so G
# overshoots and runs away. Measured: JS = log 2 for the first ~500 iterations while W₁ falls
# from 3.4 to 1.3; JS 0.012, W₁ 0.02 at 3,000 (seed 0).
_add(
    "disjoint",
    "Disjoint supports: JS is stuck, W₁ is not",
    "Data and generator start apart; a WGAN-GP critic moves G while JS sits at log 2.",
    "p_data is the box U(3, 5) and G starts near 0: the supports do not touch, so JS reads log 2 ≈ 0.693 "
    "however far apart they are, and a saturated D would give G nothing to follow. The critic's score is a slope "
    "instead, and W₁ (beside JS) falls steadily as p_g slides over; JS moves only once the supports overlap. "
    "For GAN Lab's 2-D version choose the distribution 'Disjoint patch'.",
    distribution="uniform",
    noise_dim=1,
    objective="wasserstein-gp",
    gp_weight=0.1,
    d_steps=5,
    beta1=0.5,
    beta2=0.9,
    lr_g=1e-4,
    lr_d=1e-3,
    lr_halflife=1500,
)
_add(
    "mode-collapse",
    "Mode collapse (plain GAN on the ring)",
    "The plain non-saturating GAN on the ring, constant learning rates: modes come and go.",
    "Watch the modes-covered card: G finds several modes, then D learns to reject them and G hops to others — "
    "p_g chases D around the ring instead of settling. The heatmap shows D's purple 'real' regions moving with it. "
    "Compare with the ring preset (decaying learning rates) or wgan-gp.",
    **(_RING | {"lr_halflife": 0}),
)
_add(
    "least-squares",
    "Least squares (LSGAN)",
    "D regresses real to 1 and fake to 0: its output is a score, and far-away fakes still get a gradient.",
    "The heatmap is a score around 0.5 (not a probability) and the dashed curve in 1-D is LSGAN's optimum "
    "(p_data)/(p_data + p_g). Fakes on the wrong side of D's boundary are pulled in proportion to how far they are.",
    **(_RING | {"objective": "least-squares"}),
)
_add(
    "wgan-clip",
    "WGAN with weight clipping",
    "The Wasserstein critic kept Lipschitz by clipping its weights to ±0.01 (RMSProp, 5 critic steps).",
    "The heatmap is the critic's score, not a probability: white marks the midpoint of its mean scores on real and fake "
    "samples, since a Wasserstein critic's level means nothing, only its slopes. Clipping makes the critic "
    "nearly linear: its surface is a gentle tilt and G slides along it slowly — watch how long the ring takes. "
    "Raise the clip value while it plays and see the critic sharpen.",
    **(_RING | {"objective": "wasserstein", "optimizer": "rmsprop", "beta2": 0.99, "lr_d": 5e-4, "lr_g": 5e-4, "d_steps": 5, "clip_value": 0.01, "lr_halflife": 0}),
)
# The reference WGAN-GP (5 critic steps, Adam 1e-4) needs ~10,000 iterations of 6 updates; one
# critic step per G step at lr 1e-3, halving every 2,500 iterations, reached 8/8 with HQ ≥ 0.96
# on seeds 0-9 at 10,000 (HQ 0.918-0.975; 8/8 with HQ ≥ 0.8 from 2,000-4,500) in 1/3-1/4 of the time.
_add(
    "wgan-gp",
    "WGAN-GP on the ring",
    "The Wasserstein critic with a gradient penalty: all 8 modes, steadily.",
    "The critic's score rises towards the modes G has not reached, so the gradient arrows point to every mode at once: "
    "modes covered climbs to 8/8 without collapsing. W₁ (sliced) falls smoothly while JS stays high until the modes sharpen.",
    **(_RING | {"objective": "wasserstein-gp", "gp_weight": 0.1, "d_steps": 1, "lr_d": 1e-3, "lr_g": 1e-3, "lr_halflife": 2500}),
)
_add(
    "hinge-sn",
    "Hinge loss + spectral normalisation",
    "SNGAN's recipe: a hinge critic whose layers are each kept 1-Lipschitz by spectral normalisation.",
    "The critic's score is bounded in slope, so its surface stays smooth and G's arrows stay orderly. "
    "Turn spectral normalisation off while it plays and watch the critic's surface sharpen.",
    **(_RING | {"objective": "hinge", "regularizers": ["spectral-norm"]}),
)
_add(
    "relativistic",
    "Relativistic GAN",
    "The critic judges whether real data looks more real than a paired fake (RGAN).",
    "Only differences of scores matter, so the heatmap's level drifts while its shape carries the information. "
    "G's loss also looks at real data: its gradient does not vanish when D is confident.",
    **(_RING | {"objective": "relativistic"}),
)
_add(
    "mmd",
    "MMD: moment matching, no discriminator",
    "G minimises a kernel MMD to the data; there is no discriminator to fool.",
    "The colour map is the MMD witness function: positive (purple) where the data has more mass than G, negative where G "
    "has too much. G's samples flow down the witness's slope. No adversary means no oscillation, but a kernel "
    "sees sharp modes only through its narrowest bandwidth.",
    **(_RING | {"objective": "mmd"}),
)
_add(
    "ttur",
    "Two time-scale update rule (TTUR)",
    "D learns 4× faster than G (4e-4 vs 1e-4): D stays near its optimum for the current G.",
    "With the learning rates of TTUR the discriminator tracks G closely, so G follows a D close to D*. Try lowering "
    "D's learning rate while it plays to see the run lose that balance.",
    **(_RING | {"lr_d": 4e-4, "lr_g": 1e-4, "lr_halflife": 0}),
)
_add(
    "label-smoothing",
    "One-sided label smoothing",
    "Real samples get the label 0.9: D stops being sure, on the data itself.",
    "D's surface tops out at 0.9 on the data instead of 1, and the optimum drawn in 1-D is 0.9·p_data/(p_data + p_g). "
    "Only the real label is smoothed: smoothing fakes too would reward G for staying where it is.",
    **(_RING | {"regularizers": ["one-sided-label-smoothing"], "label_smoothing": 0.9}),
)
_add(
    "instance-noise",
    "Instance noise",
    "Gaussian noise on everything D sees, annealed to 0 over 2,000 iterations.",
    "At first D sees blurred data and blurred fakes whose supports overlap, so its surface is smooth and every fake "
    "gets a useful gradient. As σ anneals to 0, D sharpens on the exact modes.",
    **(_RING | {"regularizers": ["instance-noise"], "instance_noise": 0.2, "instance_noise_anneal": 2000}),
)
_add(
    "feature-matching",
    "Feature matching",
    "G matches the average of D's last hidden layer on real data instead of fooling D.",
    "G no longer aims at D's decision directly, so it does not jump to whatever D calls real right now: the ring "
    "fills in more evenly. The loss G charts is now the feature gap.",
    **(_RING | {"regularizers": ["feature-matching"]}),
)
_add(
    "minibatch-discrimination",
    "Minibatch discrimination",
    "D sees how similar each sample is to the rest of its batch: a collapsed batch gives itself away.",
    "If G puts its whole batch on one mode, every sample looks like its neighbours and D rejects them all, so G must "
    "spread out. A smaller batch (128) keeps this affordable: the similarity is computed between every pair.",
    **(_RING | {"regularizers": ["minibatch-discrimination"], "batch_size": 128}),
)


# -- beyond one generator: conditional, InfoGAN and semi-supervised models ---------------------
# Small networks (2×64, leaky ReLU), lr 1e-3 halving every 500 iterations, a small R1 penalty:
# on the sharp ring (σ = 0.02) every class lands within 3σ of its mode ≥ 0.9 of the time from
# ~1,200 iterations at seeds 0-2 (tests/test_models.py; docs/measurements.md "Issue 11").
_MODELS = dict(
    prior="normal",
    noise_dim=2,
    batch_size=128,
    beta1=0.5,
    beta2=0.9,
    g_layers=2,
    g_width=64,
    g_activation="leaky_relu",
    d_layers=2,
    d_width=64,
    d_activation="leaky_relu",
    lr_g=1e-3,
    lr_d=1e-3,
)
_add(
    "cgan-ring",
    "Conditional GAN on the ring",
    "The class label goes into G and D: ask for mode 3 and G draws mode 3.",
    "Each colour is a class: real dots in their class's colour, fakes in the colour G was asked for. Pick a class "
    "under Class G draws: G draws only that class, and D's map shows D(x | that class), real only on its own mode. "
    "The per-class accuracy chart counts the fakes of each class that land on their own mode.",
    **(_MODELS | {"model": "cgan", "distribution": "ring", "regularizers": ["gradient-penalty-r1"], "r1_gamma": 0.1, "lr_halflife": 500}),
)
_add(
    "infogan-ring",
    "InfoGAN on the ring",
    "No labels: G gets a code of 8 values and Q must read it back. Each code settles on its own mode.",
    "Fakes are coloured by their code. Nobody told G what the codes mean: maximising the information between code "
    "and sample makes each code take one mode (the code–mode NMI chart climbs towards 1). The continuous code c′ "
    "slides each code's samples along the ring: move the walk slider.",
    **(_MODELS | {"model": "infogan", "distribution": "ring", "regularizers": ["gradient-penalty-r1"], "r1_gamma": 0.1, "lr_halflife": 500,
                  "info_categories": 8, "info_continuous": 1}),
)
_add(
    "semi-supervised-moons",
    "Semi-supervised GAN on two moons",
    "Five labelled points per moon, the rest unlabelled: D as a K+1 classifier beats the same network trained on the ten labels.",
    "The big ringed dots are the only labels. The coloured regions are D's classes; the dashed line is the boundary "
    "of the same network trained on the labels alone. G (feature matching) fills the gaps between the moons with "
    "fakes, which pushes D's boundary into the gap: test accuracy climbs past the labelled-only line.",
    **(_MODELS | {"model": "semi-supervised", "distribution": "moons", "regularizers": ["feature-matching"], "labels_per_class": 5, "lr_halflife": 1000}),
)
