"""The Dirac-GAN: its field against hand-computed values, and the paper's three behaviours."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from gan_core.dirac import DiracConfig, DiracError, Grid, dirac_objectives, field, field_grid, settings_used, trajectory
from gan_core.objectives import OBJECTIVES


def sigmoid(t: float) -> float:
    return 1 / (1 + math.exp(-t))


def test_the_field_is_the_objectives_gradient() -> None:
    # minimax: D minimises softplus(-D(0)) + softplus(D(θ)) = log 2 + softplus(ψθ); G minimises -softplus(ψθ)
    for theta, psi in [(1.0, 1.0), (0.5, -2.0), (-1.5, 0.3)]:
        v_theta, v_psi = field(theta, psi, DiracConfig(objective="minimax"))
        assert v_theta == pytest.approx(psi * sigmoid(psi * theta), rel=1e-12)
        assert v_psi == pytest.approx(-theta * sigmoid(psi * theta), rel=1e-12)
        # R1 adds -γψ to ψ's direction (‖∇ₓD‖² = ψ² for a linear D)
        _, v_psi_r1 = field(theta, psi, DiracConfig(objective="minimax", r1_gamma=0.7))
        assert v_psi_r1 == pytest.approx(v_psi - 0.7 * psi, rel=1e-12)
    # WGAN: the critic minimises C(θ) - C(0) = ψθ, G minimises -ψθ: the field is a rotation
    assert field(2.0, 3.0, DiracConfig(objective="wasserstein")) == pytest.approx((3.0, -2.0))


def test_plain_gan_circles_and_r1_converges() -> None:
    start = math.hypot(1.0, 1.0)
    plain = trajectory(DiracConfig(objective="minimax"), 2000, 100)
    assert min(p["distance"] for p in plain[1:]) >= start * 0.99  # never closer: it spirals out
    alternating = trajectory(DiracConfig(objective="minimax", mode="alternating"), 2000, 100)
    assert all(0.5 * start < p["distance"] < 2 * start for p in alternating)  # it circles
    r1 = trajectory(DiracConfig(objective="minimax", r1_gamma=1.0), 2000, 100)
    assert r1[-1]["distance"] < 0.05
    wgan = trajectory(DiracConfig(objective="wasserstein"), 2000, 100)
    assert wgan[-1]["distance"] >= start  # no penalty: no convergence


def test_bad_settings_name_themselves() -> None:
    with pytest.raises(DiracError, match="objective"):
        DiracConfig(objective="mmd")
    with pytest.raises(DiracError, match="lr"):
        DiracConfig().updated({"lr": "fast"})
    with pytest.raises(DiracError, match="colour"):
        DiracConfig().updated({"colour": "1"})
    with pytest.raises(DiracError, match="mode"):
        DiracConfig().updated({"mode": "sideways"})


def test_cli_prints_json_lines_ending_at_step_n() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "server.cli", "dirac", "--objective", "minimax", "--set", "r1_gamma=1", "--steps", "2000", "--json"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[-1]["step"] == 2000 and lines[-1]["distance"] < 0.05
    assert all({"step", "distance", "theta", "psi"} <= set(line) for line in lines)
    bad = subprocess.run([sys.executable, "-m", "server.cli", "dirac", "--set", "lr=abc"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "lr: not a number" in bad.stderr


def test_field_grid_is_field_at_every_point_row_by_row() -> None:
    c = DiracConfig(objective="hinge", r1_gamma=0.2)
    g = field_grid(c, Grid(-1.0, 2.0, -0.5, 0.5, n_theta=4, n_psi=3))
    assert g["theta"] == [-1.0, 0.0, 1.0, 2.0] and g["psi"] == [-0.5, 0.0, 0.5]
    for j, psi in enumerate(g["psi"]):
        for i, theta in enumerate(g["theta"]):
            assert (g["v_theta"][j * 4 + i], g["v_psi"][j * 4 + i]) == field(theta, psi, c)


@pytest.mark.parametrize(
    ("grid", "name"),
    [
        (dict(theta_lo=1, theta_hi=1, psi_lo=0, psi_hi=1), "theta_hi"),
        (dict(theta_lo=0, theta_hi=1, psi_lo=2, psi_hi=1), "psi_hi"),
        (dict(theta_lo=float("nan"), theta_hi=1, psi_lo=0, psi_hi=1), "theta_lo"),
        (dict(theta_lo=0, theta_hi=1, psi_lo=-1e7, psi_hi=1), "psi_lo"),
        (dict(theta_lo=0, theta_hi=1, psi_lo=0, psi_hi=1, n_psi=1), "n_psi"),
        (dict(theta_lo=0, theta_hi=1, psi_lo=0, psi_hi=1, n_theta=2.5), "n_theta"),
    ],
)
def test_a_bad_grid_names_its_field(grid: dict, name: str) -> None:
    with pytest.raises(DiracError, match=f"^{name}: ") as err:
        Grid(**grid)
    assert err.value.field == name


def test_objectives_and_the_settings_they_read_come_from_the_registry() -> None:
    assert dirac_objectives() == [n for n in OBJECTIVES if OBJECTIVES.get(n).network != "none"]
    for name in dirac_objectives():
        DiracConfig(objective=name)  # each one plays
        used = settings_used(name)
        assert used["gp_weight"] == OBJECTIVES.get(name).gradient_penalty and used["clip_value"] == OBJECTIVES.get(name).clip_weights
    with pytest.raises(DiracError) as err:
        DiracConfig(r1_gamma=-0.1)
    assert err.value.field == "r1_gamma" and str(err.value).startswith("r1_gamma: ")
