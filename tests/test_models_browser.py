"""Browser tests of the page for the models beyond the plain GAN (web/models.js, classes.js,
regions.js and their layers in view2d.js): the conditional GAN's class colours and class
picker, InfoGAN's walk slider, the semi-supervised GAN's decision regions and accuracy
charts, and a drawing in two colours trained with the conditional GAN. Same server and
browser fixtures as test_browser.py (one server for this module).

Every page fails its test on a console error or warning, an uncaught exception or a
Content-Security-Policy violation (the server sends a strict policy)."""

from __future__ import annotations

import math
import re

import pytest
from test_browser import IN_CI, Watched, _missing, browser, expect, server  # noqa: F401 (fixtures)

if _missing and not IN_CI:
    pytestmark = pytest.mark.skip(reason="; ".join(_missing))

# Okabe–Ito, the first 8 class colours of web/classes.js
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]

# Every binary frame's header, as the page receives it (the page's own decoder is untouched):
# window.__frames lists {iteration, model, show_class} in order of arrival.
FRAME_LOG = """
(() => {
  const Native = window.WebSocket;
  window.__frames = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (!(e.data instanceof ArrayBuffer)) return;
        const n = new DataView(e.data).getUint32(0, true);
        const h = JSON.parse(new TextDecoder().decode(new Uint8Array(e.data, 4, n)));
        window.__frames.push({ iteration: h.iteration, model: h.model, show_class: h.show_class });
      });
    }
  };
})();
"""

# Pixels of the main 2-D canvas in each palette colour (exact fills, ±6 per channel).
COUNT_CLASS_COLOURS = """(palette) => {
    const c = document.getElementById('view2d-main');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const rgb = palette.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    const counts = rgb.map(() => 0);
    for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] < 250) continue;
        for (let k = 0; k < rgb.length; k++) {
            const [r, g, b] = rgb[k];
            if (Math.abs(d[i] - r) <= 6 && Math.abs(d[i + 1] - g) <= 6 && Math.abs(d[i + 2] - b) <= 6) { counts[k]++; break; }
        }
    }
    return counts;
}"""

# A short fingerprint of a canvas's pixels (changes when anything drawn moves).
CANVAS_HASH = """(id) => {
    const c = document.getElementById(id);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i += 4) h = (h * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) | 0;
    return h;
}"""


class _WithFrameLog:
    """A browser whose new pages log their frames (FRAME_LOG runs before the page's scripts)."""

    def __init__(self, real_browser) -> None:
        self.browser = real_browser

    def new_page(self, **kw):
        page = self.browser.new_page(**kw)
        page.add_init_script(FRAME_LOG)
        return page


@pytest.fixture()
def open_lab(browser, server):  # noqa: F811 (the fixtures imported above)
    """Opens the lab at a path (a Watched page with the frame log), once it is paused;
    closes every page it opened afterwards."""
    opened: list[Watched] = []

    def open_at(path: str) -> Watched:
        w = Watched(_WithFrameLog(browser), server, path)
        opened.append(w)
        expect(w.page.locator("#status-text")).to_have_text("paused", timeout=20_000)
        return w

    yield open_at
    for w in opened:
        w.close()


def play_until(w: Watched, iterations: int) -> None:
    """Play at the fastest speed until the counter reaches `iterations`, then pause."""
    page = w.page
    page.evaluate("() => { const s = document.getElementById('speed'); s.value = s.max; s.dispatchEvent(new Event('input')); }")
    w.button("Play").click()
    page.wait_for_function(
        f"() => Number(document.querySelector('[data-testid=iteration]').textContent) >= {iterations}", timeout=30_000
    )
    w.button("Pause").click()
    expect(page.locator("#status-text")).to_have_text("paused", timeout=5_000)
    page.wait_for_timeout(300)  # a frame already on its way may still land


def frames(w: Watched) -> list[dict]:
    return w.page.evaluate("() => window.__frames")


def test_cgan_colours_fakes_by_class_and_the_picker_asks_for_one(open_lab):
    w = open_lab("/?preset=cgan-ring")
    page = w.page
    expect(page.get_by_test_id("view-2d")).to_be_visible()
    expect(page.get_by_test_id("class-picker")).to_be_visible()
    expect(page.locator("[data-testid^=class-chip-]")).to_have_count(9)  # All and the 8 classes
    expect(page.get_by_test_id("class-chip-all")).to_have_attribute("aria-pressed", "true")
    # the model's chart and its bars, in place of ‖∇G‖
    expect(page.locator("#chart-classacc")).to_be_visible()
    expect(page.get_by_test_id("class-bars")).to_be_visible()
    expect(page.locator("#chart-gnorm")).to_be_hidden()
    for _ in range(3):
        w.button("Step").click()
    expect(page.get_by_test_id("iteration")).to_have_text("3", timeout=10_000)
    play_until(w, 150)
    # the fakes alone (real dots off): diamonds in several class colours
    page.get_by_test_id("layer-real").uncheck()
    page.wait_for_function(f"(p) => ({COUNT_CLASS_COLOURS})(p).filter((n) => n > 20).length >= 5", arg=PALETTE, timeout=10_000)
    # the per-class bars hold one value per class
    bars = page.locator("#class-bars canvas").get_attribute("data-values")
    assert len(bars.split(",")) == 8, bars

    seen = len(frames(w))
    page.get_by_test_id("class-chip-3").click()
    # the next frame draws class 3 only, and the page shows it picked
    page.wait_for_function(f"() => window.__frames.slice({seen}).some((f) => f.show_class === 3)", timeout=10_000)
    expect(page.get_by_test_id("class-chip-3")).to_have_attribute("aria-pressed", "true", timeout=5_000)
    expect(page.get_by_test_id("class-chip-all")).to_have_attribute("aria-pressed", "false")
    counts = page.evaluate(
        f"(p) => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(() => ok(({COUNT_CLASS_COLOURS})(p)))))",
        PALETTE,
    )
    assert counts[3] > 30, counts
    assert sum(n for k, n in enumerate(counts) if k != 3) < 0.05 * counts[3], counts  # one colour
    expect(page.locator("#explain2d")).to_contain_text("G draws only class 3")
    # and back to every class
    page.get_by_test_id("class-chip-all").click()
    page.wait_for_function(f"(p) => ({COUNT_CLASS_COLOURS})(p).filter((n) => n > 20).length >= 5", arg=PALETTE, timeout=10_000)
    assert not w.problems, w.problems
    assert not w.foreign, w.foreign


def test_infogan_walk_slider_moves_the_walk_without_a_frame(open_lab):
    w = open_lab("/?preset=infogan-ring")
    page = w.page
    slider = page.get_by_test_id("walk-slider")
    expect(slider).to_be_visible(timeout=10_000)
    expect(page.locator("#chart-nmi")).to_be_visible()
    expect(page.locator("#layers2d li[data-layer=walk]")).to_be_visible()
    expect(page.locator("#layers2d li[data-layer=regions]")).to_be_hidden()
    expect(page.locator("#layers2d li[data-layer=manifold]")).to_be_hidden()  # the walk takes its place
    play_until(w, 400)  # the codes have begun to take modes of their own
    expect(page.locator("#chart-nmi .readout .num")).to_have_text(re.compile(r"^\d\.\d+$"))
    # only the walk on the canvas
    for layer in ("real", "fake", "modes"):
        box = page.get_by_test_id(f"layer-{layer}")
        if box.is_checked():
            box.uncheck()
    page.wait_for_timeout(100)
    before = page.evaluate(CANVAS_HASH, "view2d-main")
    seen = len(frames(w))
    iteration = w.iteration()
    slider.fill("0")  # c′₁ = −1
    expect(page.locator(".walk-value")).to_have_text("−1.00")
    page.wait_for_function(f"(h) => ({CANVAS_HASH})('view2d-main') !== h", arg=before, timeout=5_000)
    moved = page.evaluate(CANVAS_HASH, "view2d-main")
    slider.fill("20")  # c′₁ = 1
    expect(page.locator(".walk-value")).to_have_text("1.00")
    page.wait_for_function(f"(h) => ({CANVAS_HASH})('view2d-main') !== h", arg=moved, timeout=5_000)
    assert len(frames(w)) == seen, "the slider waited for a frame"
    assert w.iteration() == iteration
    # the walk's big dots are in the code colours
    counts = page.evaluate(COUNT_CLASS_COLOURS, PALETTE)
    assert sum(1 for n in counts if n > 40) >= 6, counts
    assert not w.problems, w.problems


def test_semi_supervised_regions_and_both_accuracies(open_lab):
    w = open_lab("/?preset=semi-supervised-moons")
    page = w.page
    expect(page.locator("#chart-ssl")).to_be_visible()
    expect(page.locator("#layers2d li[data-layer=regions]")).to_be_visible()
    expect(page.locator("#layers2d li[data-layer=labelled]")).to_be_visible()
    expect(page.locator("#legend2d")).to_be_hidden()  # the regions cover the heatmap
    play_until(w, 120)
    # D's classes: both class colours (mixed with white) on the heatmap's canvas
    regions = """() => {
        const c = document.getElementById('view2d-heat');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let blue = 0, orange = 0;
        for (let i = 0; i < d.length; i += 4) {
            const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
            if (b > r + 30 && b > g + 5) blue++;
            if (r > b + 40 && g > b + 10) orange++;
        }
        return {blue, orange};
    }"""
    page.wait_for_function(f"() => {{ const p = ({regions})(); return p.blue > 2000 && p.orange > 2000; }}", timeout=10_000)
    # the chart has both series: the GAN's D and the labelled-only baseline
    readouts = page.locator("#chart-ssl .readout")
    expect(readouts).to_have_count(2)
    expect(readouts.nth(0)).to_contain_text("GAN's D")
    expect(readouts.nth(1)).to_contain_text("labels only")
    for i in range(2):
        expect(readouts.nth(i).locator(".num")).to_have_text(re.compile(r"^\d\.\d+$"))
    assert page.locator("#chart-ssl canvas").get_attribute("data-iterations").split()[-1] != "0"
    # turning the regions off brings back the D(x) heatmap and its legend
    page.get_by_test_id("layer-regions").uncheck()
    expect(page.locator("#legend2d")).to_be_visible()
    assert not w.problems, w.problems


def test_drawing_in_two_colours_trains_the_conditional_gan(open_lab):
    w = open_lab("/")
    page = w.page
    # on data without classes the labelled models are offered greyed out, saying why
    cgan = page.locator("#cfg-model option[value=cgan]")
    expect(cgan).to_be_disabled()
    expect(cgan).to_contain_text("needs classes")
    page.get_by_test_id("dim-2").click()
    expect(page.get_by_test_id("view-2d")).to_be_visible(timeout=10_000)
    page.get_by_test_id("draw-toggle").click()
    expect(page.get_by_test_id("draw-colours")).to_be_visible()
    box = page.get_by_test_id("view2d-canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    r = min(box["width"], box["height"]) * 0.22

    def stroke(x0: float) -> None:
        page.mouse.move(x0, cy - r)
        page.mouse.down()
        for i in range(1, 21):
            page.mouse.move(x0 + 0.3 * r * math.sin(math.pi * i / 20), cy - r + 2 * r * i / 20)
        page.mouse.up()

    stroke(cx - r)  # colour 0
    page.get_by_test_id("draw-colour-1").click()
    expect(page.get_by_test_id("draw-colour-1")).to_have_attribute("aria-checked", "true")
    stroke(cx + r)
    expect(page.get_by_test_id("draw-count")).to_contain_text("2 colours")
    page.get_by_test_id("draw-use").click()
    expect(page.locator("#cfg-distribution")).to_have_value("drawn", timeout=10_000)
    page.wait_for_function(
        "() => new Set((new URLSearchParams(location.search).get('drawn_classes') || '').split(',')).size === 2", timeout=10_000
    )

    expect(cgan).to_be_enabled()
    page.locator("#cfg-model").select_option("cgan")
    expect(page.locator("#cfg-model")).to_have_value("cgan", timeout=10_000)
    expect(page.locator("[data-testid^=class-chip-]")).to_have_count(3)  # All, 0 and 1
    for _ in range(5):
        w.button("Step").click()
    expect(page.get_by_test_id("iteration")).to_have_text("5", timeout=10_000)
    page.wait_for_function("() => window.__frames.some((f) => f.model === 'cgan' && f.iteration === 5)", timeout=10_000)
    expect(page.get_by_role("alert")).to_have_text("")
    # the link carries the drawing, its colours and the model: a new page trains the same
    link = page.evaluate("() => location.pathname + location.search")
    assert link.index("drawn_classes") < link.index("model=cgan"), link
    other = open_lab(link)
    expect(other.page.locator("#cfg-model")).to_have_value("cgan", timeout=10_000)
    expect(other.page.locator("#cfg-distribution")).to_have_value("drawn")
    expect(other.page.locator("[data-testid^=class-chip-]")).to_have_count(3)
    expect(other.page.get_by_role("alert")).to_have_text("")
    assert not w.problems, w.problems
    assert not other.problems, other.problems


def test_palette_and_boundary_helpers(open_lab):
    # the page's own modules, run in the page: the palette, a drawing's class → colour map and
    # the labelled-only boundary traced along cell edges
    w = open_lab("/")
    got = w.page.evaluate(
        """async () => {
            const { boundaryPolylines } = await import('/static/regions.js');
            const c = await import('/static/classes.js');
            return {
                split: boundaryPolylines([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1], 4, 3),
                island: boundaryPolylines([0, 0, 0, 0, 1, 0, 0, 0, 0], 3, 3),
                none: boundaryPolylines([2, 2, 2, 2], 2, 2),
                colours: c.CLASS_COLOURS.length,
                distinct: new Set(c.CLASS_COLOURS.map((h) => h.toLowerCase())).size,
                map: c.classColourMap({ distribution: 'drawn', drawn_classes: [5, 2, 5, 2] }),
                drawnClass1: c.classColour(1, c.classColourMap({ distribution: 'drawn', drawn_classes: [5, 2] })),
                ringMap: c.classColourMap({ distribution: 'ring', drawn_classes: [5, 2] }),
                twoColours: c.classCount({ distribution: 'drawn', drawn_classes: [0, 0, 3] }),
                oneColour: c.classCount({ distribution: 'drawn', drawn_classes: [4, 4] }),
            };
        }"""
    )
    # class 0 | class 1 on a 4 × 3 grid: one line up the edge x = 2, through every row
    assert len(got["split"]) == 1 and sorted(got["split"][0]) == [[2, 0], [2, 1], [2, 2], [2, 3]], got["split"]
    # one cell of another class: a closed square around it, each edge once
    (loop,) = got["island"]
    assert len(loop) == 5 and loop[0] == loop[-1] and sorted(map(tuple, loop[:-1])) == [(1, 1), (1, 2), (2, 1), (2, 2)], loop
    assert got["none"] == []
    assert got["colours"] == got["distinct"] == 25  # the grid's 25 classes, all different
    # a drawing's classes are its colours in increasing order: class 1 keeps colour 5
    assert got["map"] == [2, 5] and got["drawnClass1"].lower() == PALETTE[5].lower()
    assert got["ringMap"] is None
    assert got["twoColours"] == 2 and got["oneColour"] == 0
    assert not w.problems, w.problems
