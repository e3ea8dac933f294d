"""The headless CLI, and the figure1 preset's convergence (the issue's acceptance figure)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def ganlab(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def test_presets_lists_figure1() -> None:
    out = ganlab("presets")
    assert out.returncode == 0
    assert "figure1" in out.stdout


def test_train_json_lines_and_save(tmp_path: Path) -> None:
    saved = tmp_path / "run.json"
    out = ganlab("train", "--preset", "figure1", "--steps", "40", "--every", "20", "--json", "--set", "batch_size=32", "--save", str(saved))
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["iteration"] for r in lines] == [20, 40]
    final = lines[-1]
    assert final["final"] is True
    for key in ("iteration", "loss_d", "loss_g", "d_real", "d_fake", "js", "value", "value_optimum"):
        assert isinstance(final[key], (int, float)), key
    run = json.loads(saved.read_text())
    assert run["config"]["batch_size"] == 32
    again = ganlab("train", "--config", str(saved), "--steps", "40", "--every", "40", "--json")
    assert json.loads(again.stdout.splitlines()[-1])["loss_d"] == pytest.approx(final["loss_d"])


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["train", "--preset", "nope"], "unknown preset"),
        (["train", "--set", "lr_g=fast"], "lr_g"),
        (["train", "--set", "lr_g"], "key=value"),
        (["train", "--set", "wings=2"], "unknown setting"),
        (["train", "--config", "/no/such/file.json"], "cannot read"),
        (["train", "--steps", "0"], "positive"),
    ],
)
def test_train_rejects_nonsense_with_a_message(args: list[str], fragment: str) -> None:
    out = ganlab(*args)
    assert out.returncode == 2
    assert fragment in out.stderr
    assert "Traceback" not in out.stderr


def test_train_reports_divergence() -> None:
    out = ganlab(
        "train", "--steps", "500", "--json", "--every", "100",
        "--set", "optimizer=sgd", "--set", "lr_d=1", "--set", "lr_g=1", "--set", "momentum=0.99",
        "--set", "d_width=256", "--set", "g_width=256",
    )
    assert out.returncode == 3
    assert "diverged" in json.loads(out.stdout.splitlines()[-1])
    assert "diverged" in out.stderr


@pytest.mark.convergence
def test_figure1_preset_converges() -> None:
    """The paper's setting, seed 0: within 5,000 iterations JS < 0.05 nats and D(real) ≈ 1/2,
    with the paper's noise (1-D uniform: the mapping lines are G itself)."""
    from gan_core.presets import PRESETS

    config = PRESETS.get("figure1").config
    assert config.noise_dim == 1 and config.prior == "uniform" and config.d_steps == 1
    out = ganlab("train", "--preset", "figure1", "--steps", "5000", "--seed", "0", "--json", "--every", "1000", timeout=600)
    assert out.returncode == 0, out.stderr
    final = json.loads(out.stdout.splitlines()[-1])
    assert final["iteration"] <= 5000
    assert final["js"] < 0.05, final
    assert abs(final["d_real"] - 0.5) <= 0.1, final


def test_train_2d_final_line_carries_mode_metrics() -> None:
    out = ganlab("train", "--preset", "ring", "--steps", "20", "--every", "10", "--json", "--set", "batch_size=32")
    assert out.returncode == 0, out.stderr
    final = json.loads(out.stdout.splitlines()[-1])
    assert final["final"] is True and final["modes_total"] == 8
    assert isinstance(final["modes_covered"], int) and 0.0 <= final["hq_fraction"] <= 1.0
    assert 0.0 <= final["js"] <= 0.7 and final["wasserstein"] >= 0.0 and "kl" not in final
    text = ganlab("train", "--preset", "ring", "--steps", "10", "--every", "10", "--set", "batch_size=32")
    assert "modes " in text.stdout and "/8" in text.stdout


def test_train_refuses_an_empty_drawing() -> None:
    out = ganlab("train", "--set", "distribution=drawn")
    assert out.returncode == 2 and "at least 3 drawn points" in out.stderr


@pytest.mark.convergence
def test_ring_preset_finds_all_modes() -> None:
    """The ring preset, seed 0: 8/8 modes with hq_fraction ≥ 0.8 within 10,000 iterations."""
    out = ganlab("train", "--preset", "ring", "--steps", "10000", "--seed", "0", "--json", "--every", "5000", timeout=900)
    assert out.returncode == 0, out.stderr
    final = json.loads(out.stdout.splitlines()[-1])
    assert final["modes_covered"] == 8 and final["hq_fraction"] >= 0.8, final


@pytest.mark.convergence
def test_wgan_gp_preset_finds_all_modes() -> None:
    """The wgan-gp preset, seed 0, reaches 8/8 with hq_fraction ≥ 0.8 by 2,500 iterations
    (docs/measurements.md; the issue's 10,000-iteration target holds on seeds 0-4 there):
    this shorter run checks it at 4,000."""
    out = ganlab("train", "--preset", "wgan-gp", "--steps", "4000", "--seed", "0", "--json", "--every", "4000", timeout=900)
    assert out.returncode == 0, out.stderr
    final = json.loads(out.stdout.splitlines()[-1])
    assert final["modes_covered"] == 8 and final["hq_fraction"] >= 0.8, final
