"""Browser tests of the page's Export menu (web/export.js): the view as a PNG, the tour's four
panels as one PNG, the charts' metrics as CSV, and a run saved as JSON and opened again.

Same browser and page fixtures as test_browser.py; this module's server runs the Figure-1 tour
short (20 D updates for panel (b), 30 iterations for panel (d)), so the four panels are
recorded in a second."""

# ruff: noqa: F811 (the tests take the fixtures imported from test_browser.py by name)
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from test_browser import IN_CI, ROOT, _free_port, _missing, browser, expect, lab, open_page  # noqa: F401 (fixtures)

if _missing and not IN_CI:
    pytestmark = pytest.mark.skip(reason="; ".join(_missing))

TOUR_D_STEPS, TOUR_ITERATIONS = 20, 30


@pytest.fixture(scope="module")
def server():
    """The lab (as test_browser.py starts it) with a short Figure-1 tour."""
    assert not _missing, "; ".join(_missing)
    port = _free_port()
    argv = ["serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--max-sessions", "16", "--resume-grace", "20"]
    code = (
        f"import server.session as s; s.TOUR_D_STEPS = {TOUR_D_STEPS}; s.TOUR_MAX_ITERATIONS = {TOUR_ITERATIONS}\n"
        f"from server.cli import main; raise SystemExit(main({argv!r}))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, f"server exited early with code {proc.returncode}"
            assert time.monotonic() < deadline, "server did not answer /healthz within 60 s"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def menu_item(w, name: str):
    return w.page.get_by_role("menuitem", name=name, exact=True)


def open_menu(w) -> None:
    w.page.get_by_test_id("export").click()
    expect(w.page.locator("#export-menu")).to_be_visible()


def save(w, name: str) -> tuple[Path, str]:
    """Choose `name` in the Export menu; the downloaded file and its suggested name."""
    open_menu(w)
    with w.page.expect_download() as info:
        menu_item(w, name).click()
    d = info.value
    assert d.failure() is None, d.failure()
    return Path(d.path()), d.suggested_filename


def step_to(w, n: int) -> None:
    for i in range(w.iteration() + 1, n + 1):
        w.button("Step").click()
        expect(w.page.get_by_test_id("iteration")).to_have_text(str(i), timeout=10_000)


def pixels(img: Image.Image) -> dict[str, int]:
    """Pixel classes of a picture: ink (not white), green (p_g, fakes), transparent."""
    rgba = img.convert("RGBA")
    counts = {"ink": 0, "green": 0, "transparent": 0}
    for r, g, b, a in rgba.getdata():
        if a < 255:
            counts["transparent"] += 1
        if r < 200 or g < 200 or b < 200:
            counts["ink"] += 1
        if g > 100 and r < 90 and b < 110 and g > r + 40:
            counts["green"] += 1
    return counts


def canvas_size(w, selector: str) -> tuple[int, int]:
    return tuple(w.page.evaluate(f"() => {{ const c = document.querySelector('{selector}'); return [c.width, c.height]; }}"))


def alert_text(w) -> str:
    return w.page.locator("#alerts").inner_text()


# -- pictures ---------------------------------------------------------------------------------


def test_view_png_is_the_canvas_on_white(lab):
    step_to(lab, 1)
    path, name = save(lab, "Save view as PNG")
    assert name == "ganlab-figure1-it1.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(path)
    assert img.size == canvas_size(lab, "#figure1")
    px = pixels(img)
    assert px["transparent"] == 0  # a white background, not a transparent one
    assert img.convert("RGB").getpixel((2, 2)) == (255, 255, 255)
    assert px["ink"] > 3000 and px["green"] > 100  # the figure, p_g and G's lines
    assert not lab.problems, lab.problems


def test_2d_view_png_has_both_layers(open_page):
    w = open_page("/?preset=gaussians")
    expect(w.page.get_by_test_id("view-2d")).to_be_visible(timeout=20_000)
    expect(w.page.locator("#status-text")).to_have_text("paused", timeout=20_000)
    step_to(w, 2)
    path, name = save(w, "Save view as PNG")
    assert name == "ganlab-gaussians-it2.png"
    img = Image.open(path)
    assert img.size == canvas_size(w, "#view2d-main")
    px = pixels(img)
    assert px["transparent"] == 0 and px["green"] > 50  # the fake samples, over the heatmap
    # the heatmap (the lower canvas) is in: with it hidden the picture changes
    w.page.get_by_test_id("layer-heatmap").uncheck()
    path2, _ = save(w, "Save view as PNG")
    assert Image.open(path2).tobytes() != img.tobytes()
    assert not w.problems, w.problems


def test_the_tours_four_panels_in_one_png(lab):
    open_menu(lab)
    expect(menu_item(lab, "Save the four panels")).to_be_disabled()  # nothing recorded yet
    lab.page.keyboard.press("Escape")
    expect(lab.page.locator("#export-menu")).to_be_hidden()
    lab.button("Figure 1 tour").click()
    expect(lab.page.locator("#panel-d")).to_have_attribute("data-filled", "true", timeout=20_000)
    path, name = save(lab, "Save the four panels")
    assert name == f"ganlab-figure1-tour-it{TOUR_ITERATIONS}.png"
    img = Image.open(path).convert("RGB")
    w, h = img.size
    assert w > 3 * h  # four panels side by side
    # each quarter holds a drawn panel: its ink and p_g's green
    for i in range(4):
        quarter = pixels(img.crop((i * w // 4, 0, (i + 1) * w // 4, h)))
        assert quarter["ink"] > 2000 and quarter["green"] > 50, (i, quarter)
    assert not lab.problems, lab.problems


# -- metrics and runs ---------------------------------------------------------------------------


def test_metrics_csv_has_a_header_and_a_row_per_point(lab):
    step_to(lab, 3)
    expect(lab.page.locator("#chart-js canvas")).to_have_attribute("data-iterations", "0 3", timeout=10_000)
    path, name = save(lab, "Metrics as CSV")
    assert name == "ganlab-figure1-it3.csv"
    rows = list(csv.reader(io.StringIO(path.read_text())))
    header, body = rows[0], rows[1:]
    assert header[0] == "iteration" and {"loss_d", "loss_g", "d_real", "js", "wasserstein", "value"} <= set(header)
    assert not {"test_accuracy", "code_nmi", "class_accuracy_min"} & set(header)  # other models' metrics: no empty columns
    assert [r[0] for r in body] == ["0", "1", "2", "3"]  # the charts' four points
    assert all(len(r) == len(header) for r in body)
    loss = header.index("loss_d")
    assert body[0][loss] == ""  # no loss before the first update: an empty cell
    assert float(body[3][loss]) > 0 and 0 <= float(body[3][header.index("js")]) <= 0.7
    assert not lab.problems, lab.problems


def test_a_saved_run_opens_again(lab, tmp_path):
    page = lab.page
    page.locator("#cfg-lr_g").fill("0.001")
    page.locator("#cfg-lr_g").press("Tab")
    page.wait_for_function("() => new URLSearchParams(location.search).get('lr_g') === '0.001'", timeout=10_000)
    step_to(lab, 2)
    path, name = save(lab, "Save run (JSON)")
    assert name == "ganlab-figure1-it2.json"
    run = json.loads(path.read_text())
    assert (run["format"], run["version"], run["preset"], run["iteration"]) == ("ganlab-run", 1, "figure1", 2)
    assert run["config"]["lr_g"] == 0.001
    assert [p["iteration"] for p in run["history"]] == [0, 1, 2] and "js" in run["history"][-1]["scalars"]
    saved = tmp_path / name
    saved.write_text(path.read_text())

    # another experiment, then Open run… brings the saved one back
    page.get_by_test_id("dim-2").click()
    expect(page.locator("#preset")).to_have_value("gaussians", timeout=10_000)
    open_menu(lab)
    with page.expect_file_chooser() as chooser:
        menu_item(lab, "Open run…").click()
    chooser.value.set_files(str(saved))
    expect(page.locator("#preset")).to_have_value("figure1", timeout=10_000)
    expect(page.locator("#cfg-lr_g")).to_have_value("0.001")
    expect(page.get_by_test_id("iteration")).to_have_text("0")
    # the saved history shows in the charts until the new run trains
    expect(page.locator("#chart-js canvas")).to_have_attribute("data-iterations", "0 2", timeout=5_000)
    again, _ = save(lab, "Save run (JSON)")
    reloaded = json.loads(again.read_text())
    assert reloaded["config"] == run["config"] and reloaded["preset"] == "figure1"
    assert reloaded["history"] == run["history"]
    lab.button("Step").click()
    expect(page.locator("#chart-js canvas")).to_have_attribute("data-iterations", "1 1", timeout=10_000)
    assert not page.locator("#alerts [data-code]").count(), alert_text(lab)
    assert not lab.problems, lab.problems


def test_a_run_with_bad_values_applies_the_rest(lab, tmp_path):
    from gan_core.presets import PRESETS

    config = PRESETS.get("figure1").config.model_dump() | {"d_steps": 3, "lr_g": "banana", "nonsense": 1}
    bad = tmp_path / "lesson.json"
    bad.write_text(json.dumps({"format": "ganlab-run", "version": 1, "config": config, "preset": "figure1", "iteration": 0, "history": []}))
    lab.page.locator("#export-file").set_input_files(str(bad))
    expect(lab.page.locator("#cfg-d_steps")).to_have_value("3", timeout=10_000)
    alert = lab.page.locator("#alerts")
    expect(alert).to_contain_text("From lesson.json, not applied", timeout=5_000)
    expect(alert).to_contain_text("G learning rate = banana")
    expect(alert).to_contain_text("nonsense")
    assert not lab.problems, lab.problems


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"hello": 1}', 'is not a GAN Lab run (it has no "format": "ganlab-run")'),
        ("iteration,js\n0,0.69\n", "is not a GAN Lab run: it is not JSON"),
        ('{"format": "ganlab-run", "version": 7, "config": {}}', "was saved by a newer GAN Lab (run format version 7)"),
    ],
    ids=["other-json", "csv", "newer"],
)
def test_a_file_that_is_not_a_run_is_refused(lab, tmp_path, text, says):
    f = tmp_path / "notes.json"
    f.write_text(text)
    lab.page.locator("#export-file").set_input_files(str(f))
    expect(lab.page.get_by_role("alert")).to_contain_text(f"notes.json {says}", timeout=5_000)
    expect(lab.page.locator("#preset")).to_have_value("figure1")  # nothing was applied
    assert not lab.problems, lab.problems


def test_a_run_on_drawn_data_opens_with_its_drawing(lab, tmp_path):
    from gan_core.presets import PRESETS

    points = [[x / 10, (x / 10) ** 2 - 1] for x in range(-15, 16)]
    config = json.loads(json.dumps(PRESETS.get("gaussians").config.updated({"distribution": "drawn", "drawn_points": points}).model_dump()))
    f = tmp_path / "parabola.json"
    f.write_text(json.dumps({"format": "ganlab-run", "version": 1, "config": config, "preset": "gaussians", "iteration": 0, "history": []}))
    lab.page.locator("#export-file").set_input_files(str(f))
    expect(lab.page.get_by_test_id("view-2d")).to_be_visible(timeout=10_000)
    expect(lab.page.locator("#cfg-distribution")).to_have_value("drawn")
    path, _ = save(lab, "Save run (JSON)")
    assert json.loads(path.read_text())["config"] == config
    assert not lab.page.locator("#alerts [data-code]").count(), alert_text(lab)
    assert not lab.problems, lab.problems
