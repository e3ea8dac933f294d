"""Browser tests of the lab's page: a real server, a real Chromium (via Playwright).

Skipped when Chromium or Playwright is missing, except with CI=true, where they fail."""

from __future__ import annotations

import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gan_core.config import LabConfig
from gan_core.objectives import OBJECTIVES
from gan_core.presets import PRESETS
from gan_core.regularizers import REGULARIZERS

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI") == "true"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None
    expect = None

_missing = []
if sync_playwright is None:
    _missing.append("playwright is not installed")
if not Path(CHROMIUM).exists():
    _missing.append(f"{CHROMIUM} is missing")
if _missing and not IN_CI:
    pytestmark = pytest.mark.skip(reason="; ".join(_missing))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    assert not _missing, "; ".join(_missing)  # with CI=true a missing browser fails
    port = _free_port()
    # Every page the tests open is a run, and a closed page's run waits --resume-grace seconds
    # for a reload: room for the module's pages, and a grace that covers a reload only.
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--max-sessions", "32", "--resume-grace", "20"],
        cwd=ROOT,
    )
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
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early with code {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /healthz within 60 s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    assert not _missing, "; ".join(_missing)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# The server sends a strict Content-Security-Policy: report any violation as a console error.
def record_console(problems: list[str], msg) -> None:
    """A page's console errors and warnings are problems (the tests assert there are none)."""
    if "willReadFrequently" in msg.text:
        return  # Chromium's hint about the tests' own repeated getImageData pixel reads
    if msg.type in ("error", "warning"):
        problems.append(f"console {msg.type}: {msg.text}")


CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`));
"""


class Watched:
    """A page plus everything it logged (console errors and warnings, CSP violations) or
    requested."""

    def __init__(self, browser, base: str, path: str = "/") -> None:
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.page = browser.new_page(viewport={"width": 1366, "height": 768})
        self.page.add_init_script(CSP_WATCH)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda err: self.problems.append(f"pageerror: {err}"))
        self.page.on("request", self._request)
        self.page.goto(base + path)

    def _console(self, msg) -> None:
        record_console(self.problems, msg)

    def _request(self, req) -> None:
        url = urlparse(req.url)
        if url.scheme in ("data", "blob", "about"):
            return
        if url.hostname != "127.0.0.1":
            self.foreign.append(req.url)

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def iteration(self) -> int:
        return int(self.page.get_by_test_id("iteration").inner_text())

    def close(self) -> None:
        self.page.close()


@pytest.fixture()
def open_page(browser, server):
    """Opens the lab at a path (a Watched page); every page it opened is closed afterwards."""
    opened: list[Watched] = []

    def open_at(path: str = "/") -> Watched:
        w = Watched(browser, server, path)
        opened.append(w)
        return w

    yield open_at
    for w in opened:
        w.close()


@pytest.fixture()
def lab(open_page):
    w = open_page()
    expect(w.page.locator("#status-text")).to_have_text("paused", timeout=20_000)
    return w


def test_page_loads_clean_and_stays_local(lab):
    page = lab.page
    expect(page.get_by_test_id("iteration")).to_have_text("0")
    # the form is built from the schema: one control per config field, grouped; fields the
    # schema marks hidden (the drawn points, edited on the 2-D canvas) have none, and the
    # list of regularisers is one checkbox per registered regulariser
    shown = [name for name, prop in LabConfig.model_json_schema()["properties"].items() if not prop.get("hidden") and name != "regularizers"]
    expect(page.locator("#config-form select, #config-form input")).to_have_count(len(shown) + len(REGULARIZERS.names()))
    # a setting only one objective or regulariser reads is shown only while it is in use
    expect(page.locator("#cfg-gp_weight")).to_be_hidden()
    expect(page.locator("#cfg-r1_gamma")).to_be_hidden()
    assert page.locator("#cfg-lr_g").get_attribute("title")
    # Figure 1 is drawn: many pixels that are neither white nor transparent, and some green
    expect(page.locator("#iteration")).to_have_text("0")
    page.wait_for_function(
        """() => {
            const c = document.getElementById('figure1');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let ink = 0, green = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (d[i + 3] > 0 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) ink++;
                if (d[i + 1] > 100 && d[i] < 80 && d[i + 2] < 90) green++;
            }
            return ink > 2000 && green > 100;
        }""",
        timeout=10_000,
    )
    for name in ("Play", "Step", "Step D", "Step G", "Reset", "Figure 1 tour"):
        assert lab.button(name).get_attribute("title"), f"{name} needs a tooltip"
    assert not lab.problems, lab.problems
    assert not lab.foreign, lab.foreign


def test_step_play_pause_reset(lab):
    page = lab.page
    counter = page.get_by_test_id("iteration")
    lab.button("Step").click()
    expect(counter).to_have_text("1", timeout=10_000)

    lab.button("Play").click()
    expect(lab.button("Pause")).to_be_visible(timeout=5_000)
    start = time.monotonic()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=iteration]').textContent) >= 20", timeout=15_000)
    assert time.monotonic() - start < 10
    page.wait_for_timeout(1_500)
    assert lab.iteration() >= 20
    # honest speed: what the server runs, beside the chosen 100/s
    expect(page.get_by_test_id("speed-measured")).to_have_text(re.compile(r"^\d+(\.\d)?/s now$"), timeout=5_000)

    lab.button("Pause").click()
    expect(lab.button("Play")).to_be_visible(timeout=5_000)
    expect(page.locator("#status-text")).to_have_text("paused", timeout=5_000)
    expect(page.get_by_test_id("speed-measured")).to_have_text("", timeout=5_000)
    page.wait_for_timeout(300)  # a frame already on its way may still land
    before = lab.iteration()
    page.wait_for_timeout(1_000)
    assert lab.iteration() == before, "the counter moved while paused"

    lab.button("Reset").click()
    expect(counter).to_have_text("0", timeout=10_000)
    assert not lab.problems, lab.problems


def test_keyboard_shortcuts(lab):
    page = lab.page
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=10_000)
    page.keyboard.press("r")
    expect(page.get_by_test_id("iteration")).to_have_text("0", timeout=10_000)


def test_preset_from_url_and_config_in_url(open_page):
    w = open_page("/?preset=minimax&lr_g=0.002")
    expect(w.page.locator("#preset")).to_have_value("minimax", timeout=20_000)
    expect(w.page.locator("#cfg-lr_g")).to_have_value("0.002", timeout=10_000)
    expect(w.page.locator("#cfg-objective")).to_have_value("minimax")
    # the URL keeps the preset and only what differs from it
    w.page.wait_for_function("() => location.search === '?preset=minimax&lr_g=0.002'", timeout=10_000)
    # a change in the form goes to the server and comes back into the URL
    w.page.locator("#cfg-d_steps").fill("3")
    w.page.locator("#cfg-d_steps").press("Tab")
    w.page.wait_for_function("() => new URLSearchParams(location.search).get('d_steps') === '3'", timeout=10_000)
    assert not w.problems, w.problems


def test_bad_url_value_shows_an_error(open_page):
    w = open_page("/?preset=figure1&lr_g=banana")
    alert = w.page.get_by_role("alert")
    # named by the label the form shows, never by the field's internal name
    expect(alert).to_contain_text("G learning rate = banana", timeout=20_000)
    assert "lr_g" not in alert.inner_text()
    # the message can be dismissed
    w.page.get_by_role("button", name="Dismiss").first.click()
    expect(alert).not_to_contain_text("banana")


def test_unknown_preset_shows_an_error(open_page):
    w = open_page("/?preset=nope")
    expect(w.page.get_by_role("alert")).to_contain_text("Preset = nope (there is no preset of that name)", timeout=20_000)


def test_figure1_tour_fills_the_panels(lab):
    page = lab.page
    lab.button("Figure 1 tour").click()
    expect(page.locator("#panel-a")).to_have_attribute("data-filled", "true", timeout=10_000)
    expect(page.locator("#panel-b")).to_have_attribute("data-filled", "true", timeout=30_000)
    ink = page.evaluate(
        """() => {
            const c = document.querySelector('#panel-a canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
            return n;
        }"""
    )
    assert ink > 300
    assert not lab.problems, lab.problems


# -- the 2-D lab ---------------------------------------------------------------------------

# Pixel classes of the heatmap's palette (PRGn): purple where D says "real", green where it
# says "fake"; fake samples are green dots on the top canvas.
COUNT_PIXELS = """(id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let purple = 0, green = 0, fakeDot = 0, ink = 0;
    for (let i = 0; i < d.length; i += 4) {
        const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
        if (a < 200) continue;
        if (r < 235 || g < 235 || b < 235) ink++;
        if (r > g + 25 && b > g + 25) purple++;
        if (g > r + 25 && g > b + 20) green++;
        if (g > 110 && r < 60 && b < 90) fakeDot++;
    }
    return {purple, green, fakeDot, ink};
}"""


def open_2d(open_page, path: str) -> Watched:
    w = open_page(path)
    expect(w.page.get_by_test_id("view-2d")).to_be_visible(timeout=20_000)
    expect(w.page.locator("#status-text")).to_have_text("paused", timeout=20_000)
    return w


def test_ring_plays_and_the_heatmap_shows_both_verdicts(open_page):
    # the plain GAN on the ring (mode-collapse): in its first few hundred iterations D is sure
    # both ways; the ring preset's R1 penalty keeps D near ½ on the data, so its map is mostly
    # white and green
    w = open_2d(open_page, "/?preset=mode-collapse")
    page = w.page
    expect(page.get_by_test_id("view-1d")).to_be_hidden()
    expect(page.get_by_role("button", name="Figure 1 tour")).to_be_hidden()
    w.button("Play").click()
    # D has learned something: purple (real) around the data, green (fake) around G's samples
    # (polled while it plays: the purple fades again as G reaches the modes)
    page.wait_for_function(
        f"() => {{ const p = ({COUNT_PIXELS})('view2d-heat'); return p.purple > 300 && p.green > 300; }}",
        timeout=60_000,
    )
    w.button("Pause").click()
    assert int(page.get_by_test_id("iteration").text_content()) > 0
    # the mode scores are shown for the ring
    expect(page.get_by_test_id("modes-covered")).to_have_text(re.compile(r"^\d+ / 8$"), timeout=10_000)
    expect(page.get_by_test_id("hq-fraction")).to_have_text(re.compile(r"^\d+ %$"))
    # JS, W1, the gradient norm, these losses and mean D are never negative: neither are
    # their charts' axes
    for chart in ("chart-loss", "chart-dout", "chart-js", "chart-w1", "chart-gnorm"):
        lo, hi = (float(v) for v in page.locator(f"#{chart} canvas").get_attribute("data-y-range").split())
        assert 0 <= lo < hi, (chart, lo, hi)
    assert not w.problems, w.problems
    assert not w.foreign, w.foreign


def test_toggling_layers_changes_the_canvas(open_page):
    w = open_2d(open_page, "/?preset=ring")
    page = w.page
    page.wait_for_function(f"() => ({COUNT_PIXELS})('view2d-main').fakeDot > 100", timeout=10_000)
    page.get_by_test_id("layer-fake").uncheck()
    page.wait_for_function(f"() => ({COUNT_PIXELS})('view2d-main').fakeDot < 10", timeout=5_000)
    page.get_by_test_id("layer-fake").check()
    page.wait_for_function(f"() => ({COUNT_PIXELS})('view2d-main').fakeDot > 100", timeout=5_000)

    # train a little, so D's verdict is no longer a uniform ½ (near-white)
    w.button("Play").click()
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=iteration]').textContent) >= 50 && ({COUNT_PIXELS})('view2d-heat').purple + ({COUNT_PIXELS})('view2d-heat').green > 500",
        timeout=30_000,
    )
    w.button("Pause").click()
    expect(page.locator("#status-text")).to_have_text("paused", timeout=5_000)
    page.get_by_test_id("layer-heatmap").uncheck()
    page.wait_for_function(f"() => {{ const p = ({COUNT_PIXELS})('view2d-heat'); return p.purple + p.green === 0; }}", timeout=5_000)

    # the overview's D block turns the heatmap back on
    page.get_by_test_id("overview-d").click()
    expect(page.get_by_test_id("layer-heatmap")).to_be_checked()
    page.wait_for_function(f"() => {{ const p = ({COUNT_PIXELS})('view2d-heat'); return p.purple + p.green > 500; }}", timeout=5_000)
    # and its blocks are keyboard buttons: Enter on "fake samples" shows the gradient arrows
    expect(page.get_by_test_id("layer-gradients")).not_to_be_checked()
    page.get_by_test_id("overview-fake").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("layer-gradients")).to_be_checked()
    assert not w.problems, w.problems


SIDEBAR_FITS = """() => {
    const bar = document.querySelector('.sidebar');
    const small = [...bar.querySelectorAll('label, legend, select, input, p, span')]
        .filter((e) => e.offsetParent && e.textContent.trim() && parseFloat(getComputedStyle(e).fontSize) < 13)
        .map((e) => e.textContent.trim());
    return {overflow: bar.scrollHeight - bar.clientHeight, small};
}"""


def test_every_setting_fits_at_1366x768(open_page):
    # a teacher projecting the page sees every setting without scrolling, in both views,
    # even with the "changed from the preset" line showing and with an objective's own
    # setting and a regulariser's setting shown; no text under 13 px
    cases = (
        ("/?preset=figure1&lr_d=0.003", "figure1"),
        ("/?preset=ring&lr_d=0.003&objective=wasserstein-gp&regularizers=gradient-penalty-r1", "ring"),
    )
    for path, preset in cases:
        w = open_page(path)
        expect(w.page.locator("#preset")).to_have_value(preset, timeout=20_000)
        expect(w.page.locator("#preset-mod")).to_be_visible(timeout=10_000)
        fit = w.page.evaluate(SIDEBAR_FITS)
        assert fit["overflow"] <= 0, fit
        assert not fit["small"], fit
        for name in ("cfg-lr_d", "cfg-d_activation", "cfg-seed"):
            expect(w.page.locator(f"#{name}")).to_be_in_viewport()
        # G's and D's settings side by side, one row each
        ys = [w.page.locator(f"#cfg-{n}").bounding_box()["y"] for n in ("lr_g", "lr_d")]
        assert abs(ys[0] - ys[1]) < 1, ys
        assert not w.problems, w.problems


def test_switching_between_1d_and_2d(lab):
    page = lab.page
    view1, view2 = page.get_by_test_id("view-1d"), page.get_by_test_id("view-2d")
    expect(view1).to_be_visible()
    expect(view2).to_be_hidden()
    page.get_by_test_id("dim-2").click()
    expect(view2).to_be_visible(timeout=10_000)
    expect(view1).to_be_hidden()
    expect(page.locator("#preset")).to_have_value("gaussians", timeout=10_000)
    expect(page.get_by_test_id("dim-2")).to_have_attribute("aria-pressed", "true")
    expect(lab.button("Figure 1 tour")).to_be_hidden()
    page.wait_for_function(f"() => ({COUNT_PIXELS})('view2d-main').fakeDot > 50", timeout=10_000)
    page.wait_for_function("() => location.search === '?preset=gaussians'", timeout=10_000)

    page.get_by_test_id("dim-1").click()
    expect(view1).to_be_visible(timeout=10_000)
    expect(view2).to_be_hidden()
    expect(page.locator("#preset")).to_have_value("figure1", timeout=10_000)
    expect(lab.button("Figure 1 tour")).to_be_visible()

    # choosing a 2-D distribution in the form switches too
    page.locator("#cfg-distribution").select_option("ring")
    expect(view2).to_be_visible(timeout=10_000)
    assert not lab.problems, lab.problems


def test_draw_your_own_data_and_train_on_it(lab):
    page = lab.page
    page.get_by_test_id("dim-2").click()
    expect(page.get_by_test_id("view-2d")).to_be_visible(timeout=10_000)
    page.get_by_test_id("draw-toggle").click()
    # an empty drawing is refused in the page, with a message
    page.get_by_test_id("draw-use").click()
    expect(page.get_by_test_id("draw-msg")).to_contain_text("empty")

    box = page.get_by_test_id("view2d-canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    r = min(box["width"], box["height"]) * 0.25
    page.mouse.move(cx - r, cy)
    page.mouse.down()
    for i in range(1, 41):  # a half circle, then a line: two "modes" of data
        a = math.pi * i / 40
        page.mouse.move(cx - r * math.cos(a), cy - r * math.sin(a))
    page.mouse.up()
    page.mouse.click(cx, cy + r)
    count = int(page.get_by_test_id("draw-count").inner_text().split()[0])
    assert 20 < count <= 500, count

    page.get_by_test_id("draw-use").click()
    expect(page.locator("#cfg-distribution")).to_have_value("drawn", timeout=10_000)
    expect(page.get_by_test_id("draw-toggle")).to_have_attribute("aria-pressed", "false")
    # the drawing is in the URL as "x,y;x,y;…", so the link reproduces it
    page.wait_for_function("() => (new URLSearchParams(location.search).get('drawn_points') || '').split(';').length > 20", timeout=10_000)

    lab.button("Play").click()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=iteration]').textContent) >= 30", timeout=20_000)
    lab.button("Pause").click()
    page.wait_for_function(f"() => ({COUNT_PIXELS})('view2d-main').fakeDot > 50", timeout=10_000)
    assert not lab.problems, lab.problems


# -- the GAN zoo: critics, live changes, presets -----------------------------------------------

def test_critic_objective_in_2d_has_a_diverging_legend(open_page):
    w = open_2d(open_page, "/?preset=ring&objective=wasserstein-gp")
    page = w.page
    w.button("Step").click()
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=20_000)
    expect(page.locator("body")).to_have_attribute("data-d-kind", "critic")
    # everything that named D names the critic: legend, layer, chart, overview, Step button
    legend = page.get_by_test_id("legend2d")
    expect(legend).to_contain_text("critic score")
    expect(legend).to_contain_text("fake-like")
    expect(legend).to_contain_text("real-like")
    expect(page.locator("#layers2d")).to_contain_text("C(x) heatmap")
    expect(page.locator("#chart-dout .chart-title")).to_have_text("Mean C")
    expect(page.get_by_test_id("overview-d")).to_contain_text("C")
    expect(w.button("Step C")).to_be_visible()
    # a diverging map: both sides of the centre show
    page.wait_for_function(f"() => {{ const p = ({COUNT_PIXELS})('view2d-heat'); return p.purple > 200 && p.green > 200; }}", timeout=10_000)
    # the critic's mean scores are not probabilities: their chart has no fixed [0, 1] axis
    lo, hi = (float(v) for v in page.locator("#chart-dout canvas").get_attribute("data-y-range").split())
    assert (lo, hi) != (0.0, 1.0)
    assert not w.problems, w.problems


def test_critic_objective_in_1d_gets_its_own_axis_and_no_optimum(open_page):
    w = open_page("/?preset=figure1&objective=wasserstein-gp")
    page = w.page
    expect(page.locator("#cfg-objective")).to_have_value("wasserstein-gp", timeout=20_000)
    expect(page.locator("#cfg-gp_weight")).to_be_visible()  # the objective's own setting
    w.button("Step").click()
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=20_000)
    page.wait_for_function("() => (document.getElementById('figure1').dataset.dAxis || '').startsWith('critic ')", timeout=10_000)
    lo, hi = (float(v) for v in page.locator("#figure1").get_attribute("data-d-axis").split()[1:])
    assert lo < hi
    expect(page.locator("#legend-d-text")).to_have_text("C(x)")
    # no D* for a critic: its legend entry goes, the objective's sentence says why
    expect(page.locator("#legend-dstar")).to_be_hidden()
    expect(page.get_by_test_id("no-optimum")).to_have_text(OBJECTIVES.get("wasserstein-gp").no_optimum)
    # back to a probability: [0, 1] and D* again
    page.locator("#cfg-objective").select_option("non-saturating")
    page.wait_for_function("() => (document.getElementById('figure1').dataset.dAxis || '') === 'prob 0 1'", timeout=10_000)
    expect(page.locator("#legend-dstar")).to_be_visible()
    expect(page.get_by_test_id("no-optimum")).to_be_hidden()
    assert not w.problems, w.problems


def _preset_with_watch() -> str:
    names = [n for n in PRESETS if PRESETS.get(n).watch]
    if not names:
        pytest.skip("no preset has a 'watch' text yet")
    return "disjoint" if "disjoint" in names else names[0]


def test_preset_shows_what_to_watch(open_page):
    name = _preset_with_watch()
    preset = PRESETS.get(name)
    w = open_page(f"/?preset={name}")
    page = w.page
    expect(page.locator("#preset")).to_have_value(name, timeout=20_000)
    box = page.get_by_test_id("watch")
    expect(box).to_be_visible()
    expect(box).to_contain_text(preset.title)
    expect(page.locator("#watch-text")).to_have_text(preset.watch)
    # it stays, honestly labelled, when the settings leave the preset's
    page.locator("#cfg-lr_g").fill("0.0002")
    page.locator("#cfg-lr_g").press("Tab")
    expect(page.locator("#watch-mod")).to_contain_text("changed", timeout=10_000)
    # a preset without one shows none
    bare = next((n for n in PRESETS if not PRESETS.get(n).watch), None)
    if bare:
        page.locator("#preset").select_option(bare)
        expect(box).to_be_hidden(timeout=10_000)
    assert not w.problems, w.problems


def test_live_change_marks_the_charts_and_play_goes_on(lab):
    page = lab.page
    lab.button("Play").click()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=iteration]').textContent) >= 30", timeout=30_000)
    page.locator("#cfg-lr_d").fill("0.001")
    page.locator("#cfg-lr_d").press("Tab")
    # every chart marks the change with the setting's title (never its field name)
    for chart in ("chart-loss", "chart-js", "chart-w1", "chart-gnorm"):
        expect(page.locator(f"#{chart} canvas")).to_have_attribute("data-marks", re.compile(r"^\d+: D learning rate → 0\.001$"), timeout=10_000)
    marked = int(page.locator("#chart-loss canvas").get_attribute("data-marks").split(":")[0])
    assert marked >= 30
    # play went on, from where it was: no reset, the history is kept
    page.wait_for_function(f"() => Number(document.querySelector('[data-testid=iteration]').textContent) >= {marked + 30}", timeout=30_000)
    expect(lab.button("Pause")).to_be_visible()
    first, _ = (int(v) for v in page.locator("#chart-loss canvas").get_attribute("data-iterations").split())
    assert first <= 1, first
    # a regulariser is a checkbox; its settings show while it is on; it too applies live
    expect(page.locator("#cfg-r1_gamma")).to_be_hidden()
    page.get_by_test_id("reg-gradient-penalty-r1").check()
    expect(page.locator("#cfg-r1_gamma")).to_be_visible(timeout=10_000)
    expect(page.locator("#chart-loss canvas")).to_have_attribute("data-marks", re.compile(r"\+ R1 gradient penalty"), timeout=10_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('regularizers') === 'gradient-penalty-r1'", timeout=10_000)
    page.get_by_test_id("reg-spectral-norm").check()  # combinable; the URL lists both as "a,b"
    page.wait_for_function(
        "() => new URLSearchParams(location.search).get('regularizers') === 'spectral-norm,gradient-penalty-r1'", timeout=10_000
    )
    expect(lab.button("Pause")).to_be_visible()
    expect(page.get_by_test_id("reset-notice")).to_be_hidden()
    lab.button("Pause").click()
    assert lab.iteration() > marked
    assert not lab.problems, lab.problems


def test_change_needing_new_networks_asks_first(lab):
    page = lab.page
    lab.button("Step").click()
    expect(page.get_by_test_id("iteration")).to_have_text("1", timeout=10_000)
    notice = page.get_by_test_id("reset-notice")
    page.locator("#cfg-d_width").fill("32")
    page.locator("#cfg-d_width").press("Tab")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("D width")
    expect(notice).to_contain_text("new networks")
    assert "d_width" not in notice.inner_text()
    # in the page, above the view: it covers none of the controls
    box = notice.bounding_box()
    side = page.locator(".sidebar").bounding_box()
    assert box["x"] >= side["x"] + side["width"] and box["y"] >= page.locator(".topbar").bounding_box()["height"]
    # Cancel keeps the run and its settings
    page.get_by_test_id("reset-cancel").click()
    expect(notice).to_be_hidden()
    expect(page.locator("#cfg-d_width")).to_have_value("64")
    page.wait_for_timeout(300)  # nothing was sent: the run stays where it was
    assert lab.iteration() == 1
    # Apply restarts with new networks
    page.locator("#cfg-d_width").fill("32")
    page.locator("#cfg-d_width").press("Tab")
    expect(notice).to_be_visible()
    page.get_by_test_id("reset-apply").click()
    expect(notice).to_be_hidden()
    expect(page.get_by_test_id("iteration")).to_have_text("0", timeout=10_000)
    expect(page.locator("#cfg-d_width")).to_have_value("32")
    assert not lab.problems, lab.problems
