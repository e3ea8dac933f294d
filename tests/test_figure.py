"""`ganlab figure` (gan_core/figure.py) and the Figure-1 tour's schedule (gan_core/tour.py),
shared by the page's tour (server/session.py) and the CLI. Small runs: a short tour, a few
2-D iterations."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gan_core.presets import PRESETS
from gan_core.probes import make_probe_set, probe
from gan_core.tour import TourSchedule, run_tour, tour_panels
from gan_core.trainer import Trainer
from server import protocol as P
from server.cli import main

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
SHORT_TOUR = ["--steps", "30", "--d-steps", "20"]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk, after checking its signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_ids(path: Path) -> tuple[ET.Element, set[str], list[str]]:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    ids = {e.attrib["id"] for e in root.iter() if "id" in e.attrib}
    texts = [e.text or "" for e in root.iter(f"{SVG}text")]
    return root, ids, texts


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["figure", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


# -- the CLI writes figures -------------------------------------------------------------------


def test_png_of_the_four_panels_has_the_requested_size(tmp_path, capsys):
    out = tmp_path / "fig1.png"
    code, stdout, err = run_cli(capsys, "--preset", "figure1", *SHORT_TOUR, "--width", "900", "--height", "320", "--dpi", "100", "--out", str(out))
    assert code == 0, err
    assert png_size(out) == (900, 320)
    assert "900x320" in stdout


def test_svg_of_the_four_panels_has_each_panels_content(tmp_path, capsys):
    out = tmp_path / "fig1.svg"
    code, _, err = run_cli(capsys, "--preset", "figure1", *SHORT_TOUR, "--seed", "3", "--out", str(out))
    assert code == 0, err
    root, ids, texts = svg_ids(out)
    # width/dpi inches at 72 pt an inch: the default 2400 x 760 px at 150 dpi
    assert root.attrib["width"].startswith("1152") and root.attrib["height"].startswith("364.8")
    for label in "abcd":
        panel = root.find(f".//*[@id='panel-{label}']")
        assert panel is not None, f"panel ({label}) is missing"
        inside = {e.attrib["id"] for e in panel.iter() if "id" in e.attrib}
        for part in ("p_data", "p_g", "d", "mapping", "x-line", "z-line"):
            assert f"{part}-{label}" in inside, f"panel ({label}) has no {part}"
        assert any(t.startswith(f"({label})") for t in texts)
    assert "p_g-before-c" in ids  # panel (c) shows where p_g was, faintly
    # the captions say the schedule: panel (d) after the 30 iterations trained on
    assert any(t.startswith("iteration 30") for t in texts)


def test_2d_png_and_svg(tmp_path, capsys):
    png, svg = tmp_path / "ring.png", tmp_path / "ring.svg"
    code, _, err = run_cli(capsys, "--preset", "ring", "--steps", "3", "--out", str(png))
    assert code == 0, err
    assert png_size(png) == (1200, 1050)
    code, _, err = run_cli(capsys, "--preset", "ring", "--steps", "3", "--mesh", "--set", "lr_g=0.0005", "--out", str(svg))
    assert code == 0, err
    _, ids, texts = svg_ids(svg)
    assert {"heatmap", "real", "fake", "mesh"} <= ids
    assert any("ring" in t and "iteration 3" in t for t in texts)


def test_a_saved_run_and_another_1d_preset(tmp_path, capsys):
    """The page's run file (format ganlab-run) is a config for the CLI; a 1-D preset other
    than figure1 gets the four panels too."""
    run = tmp_path / "bimodal-run.json"
    config = PRESETS.get("bimodal").config.model_dump()
    run.write_text(json.dumps({"format": "ganlab-run", "version": 1, "config": config, "preset": "bimodal", "iteration": 0, "history": []}))
    out = tmp_path / "bimodal.svg"
    code, _, err = run_cli(capsys, "--config", str(run), *SHORT_TOUR, "--out", str(out))
    assert code == 0, err
    _, ids, _ = svg_ids(out)
    assert {f"panel-{label}" for label in "abcd"} <= ids


# -- bad input: one line on stderr, exit 2 ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--preset", "nope"], "unknown preset 'nope'"),
        (["--set", "lr_g=banana"], "lr_g"),
        (["--set", "nonsense=1"], "unknown setting"),
        (["--width", "50"], "--width must be between"),
        (["--dpi", "5000"], "--dpi must be between"),
        (["--config", "/nonexistent/run.json"], "cannot read"),
    ],
    ids=["preset", "set-value", "set-field", "width", "dpi", "config"],
)
def test_bad_input_exits_2_with_a_message(tmp_path, capsys, args, says):
    out = tmp_path / "x.png"
    code, _, err = run_cli(capsys, *args, "--out", str(out))
    assert code == 2
    assert err.startswith("ganlab figure:") and says in err and err.count("\n") == 1, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("out", "says"),
    [("fig.jpg", "must end in .png or .svg"), ("fig", "must end in .png or .svg"), ("missing/fig.png", "does not exist"), ("adir.png", "is a folder")],
    ids=["jpg", "no-extension", "no-folder", "a-folder"],
)
def test_bad_output_path_exits_2(tmp_path, capsys, out, says):
    (tmp_path / "adir.png").mkdir()
    code, _, err = run_cli(capsys, "--steps", "1", "--out", str(tmp_path / out))
    assert code == 2 and says in err and err.count("\n") == 1, err


def test_bad_input_from_the_shell_has_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "server.cli", "figure", "--preset", "nope", "--out", str(tmp_path / "x.svg")],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("ganlab figure: unknown preset") and "Traceback" not in proc.stderr


# -- the tour's schedule ------------------------------------------------------------------------


def old_session_tour(trainer: Trainer, d_steps: int, g_shown: int, max_iterations: int, js_target: float) -> list[dict]:
    """The schedule server/session.py ran before it moved to gan_core/tour.py (as it was)."""
    ps = make_probe_set(trainer)
    panels = []

    def snap(label: str, **extra) -> None:
        panels.append({"panel": label, **extra, **probe(trainer, ps)})

    snap("a")
    for _ in range(d_steps):
        trainer.step("discriminator", 1)
    snap("b")
    for _ in range(g_shown):
        trainer.step("generator", 1)
    snap("c", g_updates_shown=g_shown)
    for i in range(max_iterations):
        trainer.step("iteration", 1)
        if i % 100 == 99:
            js = probe(trainer, ps)["scalars"]["js"]
            if js is not None and js < js_target and i >= 999:
                break
    snap("d")
    return panels


def same_panel(new, old: dict) -> None:
    assert new.label == old["panel"]
    assert new.extra.get("g_updates_shown") == old.get("g_updates_shown")
    for key in ("iteration", "d_updates", "g_updates"):
        assert new.frame[key] == old[key], key
    for key in ("p_g", "d", "mapping_x"):
        np.testing.assert_array_equal(new.frame[key], old[key])


def test_the_tour_gives_the_panels_the_session_gave():
    config = PRESETS.get("figure1").config
    schedule = TourSchedule(d_steps=15, g_updates_shown=5, max_iterations=120)
    new = tour_panels(Trainer(config), schedule)
    old = old_session_tour(Trainer(config), 15, 5, 120, schedule.js_target)
    assert [p.label for p in new] == ["a", "b", "c", "d"]
    for n, o in zip(new, old):
        same_panel(n, o)


def test_the_tour_stops_early_once_js_is_low():
    """Panel (d) ends at a JS check after the minimum, not at the cap, once JS is below the
    target (a target no run misses: JS ≤ log 2)."""
    trainer = Trainer(PRESETS.get("figure1").config)
    panels = tour_panels(trainer, TourSchedule(d_steps=1, g_updates_shown=1, max_iterations=500, min_iterations=200, js_target=1.0))
    assert panels[-1].frame["iteration"] == 200


def test_the_tour_yields_between_updates_and_ends_when_a_step_fails():
    trainer = Trainer(PRESETS.get("figure1").config)
    steps: list[str] = []

    def step(target: str, count: int) -> bool:
        steps.append(target)
        trainer.step(target, count)  # type: ignore[arg-type]
        return len(steps) < 8  # "interrupted" at the 8th update

    items = list(run_tour(trainer, None, TourSchedule(d_steps=5, g_updates_shown=2, max_iterations=10), step))
    labels = [i.label for i in items if i is not None]
    assert labels == ["a", "b", "c"]  # no (d): the tour ended where training stopped
    assert steps == ["discriminator"] * 5 + ["generator"] * 2 + ["iteration"]
    assert items.count(None) == 5  # one pause after each D update (the session's slices)


def test_the_session_records_the_gan_core_tour(monkeypatch):
    """The page's tour (server/session.py) is gan_core's schedule: the panels it sends are the
    ones run_tour gives for the same run."""
    from server import session as S

    monkeypatch.setattr(S, "TOUR_D_STEPS", 12)
    monkeypatch.setattr(S, "TOUR_MAX_ITERATIONS", 40)
    config = PRESETS.get("figure1").config
    done = threading.Event()
    tours: list[dict] = []

    def emit(msg: dict) -> None:
        if msg.get("type") == "tour":
            tours.append(msg)
            if msg["done"]:
                done.set()

    sess = S.Session(config, "cpu", emit)
    try:
        sess.submit(P.Tour(type="tour"))
        assert done.wait(60), "the tour did not finish"
    finally:
        sess.close()
        sess.join(10)
    sent = tours[-1]["panels"]
    expected = tour_panels(Trainer(config), TourSchedule(d_steps=12, max_iterations=40))
    assert [p["panel"] for p in sent] == [p.label for p in expected]
    for got, want in zip(sent, expected):
        assert got.get("g_updates_shown") == want.extra.get("g_updates_shown")
        assert (got["iteration"], got["d_updates"], got["g_updates"]) == (want.frame["iteration"], want.frame["d_updates"], want.frame["g_updates"])
        shown = P.frame_message(want.frame, "paused")  # as the page receives it (rounded JSON)
        assert got["p_g"] == shown["p_g"] and got["d"] == shown["d"] and got["mapping_x"] == shown["mapping_x"]
